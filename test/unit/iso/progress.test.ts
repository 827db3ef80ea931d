import { describe, expect, it } from 'vitest';
import {
  debootstrapLine,
  enterStep,
  formatProgress,
  initialProgress,
  lineSplitter,
  progressView,
  worthLogging,
  type StageProgress,
} from '../../../iso/recipe/progress.ts';

// Shape of debootstrap 1.0.128 output (non-interactive mode), shortened.
const OUTPUT = `I: Target architecture can be executed
I: Retrieving InRelease 
I: Checking Release signature
I: Valid Release signature (key id 4CB50190207B4758A3F73A796ED0E7B82643E131)
I: Retrieving Packages 
I: Validating Packages 
I: Resolving dependencies of required packages...
I: Resolving dependencies of base packages...
I: Checking component main on http://deb.debian.org/debian...
I: Retrieving libacl1 2.3.2-2+b1
I: Validating libacl1 2.3.2-2+b1
I: Retrieving adduser 3.152
I: Validating adduser 3.152
I: Validating libc6 2.41-12
I: Retrieving libc6 2.41-12
I: Validating libc6 2.41-12
I: Chosen extractor for .deb packages: dpkg-deb
I: Extracting libacl1...
I: Extracting adduser...
I: Extracting libc6...
I: Installing core packages...
I: Unpacking required packages...
I: Unpacking libacl1...
I: Unpacking adduser...
I: Configuring required packages...
I: Configuring libacl1...
I: Base system installed successfully.
`;

function run(lines: string[], start: StageProgress = initialProgress('target')): StageProgress[] {
  const states = [start];
  for (const l of lines)
    states.push(debootstrapLine(states[states.length - 1] as StageProgress, l));
  return states;
}

describe('debootstrap output to progress', () => {
  const states = run(OUTPUT.split('\n'));
  const text = states.map(formatProgress);
  it('counts each package fetched once (retried or validated from the cache alike)', () => {
    expect(text).toContain('target: reading package indices');
    expect(text).toContain('target: fetching packages 1/? (libacl1)');
    expect(text).toContain('target: fetching packages 3/? (libc6)');
    expect(text).not.toContain('target: fetching packages 4/? (libc6)');
  });
  it('knows the total once fetching ends, and counts each later step against it', () => {
    expect(text).toContain('target: extracting 1/3 (libacl1)');
    expect(text).toContain('target: extracting 3/3 (libc6)');
    expect(text).toContain('target: unpacking 2/3 (adduser)');
    expect(text).toContain('target: configuring 1/3 (libacl1)');
    expect(formatProgress(states[states.length - 1] as StageProgress)).toBe(
      'target: running the setup script in the chroot',
    );
  });
  it('does not count step headers ("Unpacking required packages...") as packages', () => {
    const s = run(['I: Unpacking required packages...', 'I: Configuring the base system...']);
    expect(s[2]).toEqual(s[0]);
  });
  it("shows the previous build's count as the total while fetching, dropped when exceeded", () => {
    const s = run(
      ['I: Retrieving a 1', 'I: Retrieving b 1', 'I: Retrieving c 1'],
      initialProgress('live', 2),
    );
    expect(formatProgress(s[1] as StageProgress)).toBe('live: fetching packages 1/2 (a)');
    expect(formatProgress(s[3] as StageProgress)).toBe('live: fetching packages 3/? (c)');
  });
  it("ignores unrelated lines and enters the stage's own steps", () => {
    const p = initialProgress('live');
    expect(debootstrapLine(p, 'W: something odd')).toBe(p);
    expect(formatProgress(enterStep(p, 'packing'))).toBe('live: packing');
  });
});

describe('log throttling', () => {
  it('logs step changes and every nth package, not every line', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `I: Retrieving p${i} 1.0`);
    const states = run(lines);
    const logged = states
      .slice(1)
      .filter((s, i) => worthLogging(states[i] as StageProgress, s, 25));
    expect(logged.map(formatProgress)).toEqual([
      'target: fetching packages 1/? (p0)',
      'target: fetching packages 25/? (p24)',
      'target: fetching packages 50/? (p49)',
    ]);
  });
});

describe('line splitting', () => {
  it('joins chunks split mid-line and handles \\r', () => {
    const got: string[] = [];
    const s = lineSplitter((l) => got.push(l));
    s.push('I: Retr');
    s.push('ieving a 1\nI: Val');
    s.push('idating a 1\r\nlast');
    s.end();
    expect(got).toEqual(['I: Retrieving a 1', 'I: Validating a 1', 'last']);
  });
});

describe('progress view', () => {
  const feed = (tty: boolean) => {
    const out: string[] = [];
    const file: string[] = [];
    const view = progressView({
      tty,
      write: (t) => out.push(t),
      file: (l) => file.push(l),
      every: 2,
    });
    let t = initialProgress('target');
    let l = initialProgress('live');
    for (const line of ['I: Retrieving a 1', 'I: Retrieving b 1']) {
      t = debootstrapLine(t, line);
      view.update(t);
    }
    l = debootstrapLine(l, 'I: Retrieving x 1');
    view.update(l);
    view.say('target-base: 80s');
    view.close();
    return { out: out.join(''), file };
  };
  it('writes plain lines without escapes when not a terminal', () => {
    const { out, file } = feed(false);
    expect(out).toBe(
      'target: fetching packages 1/? (a)\ntarget: fetching packages 2/? (b)\nlive: fetching packages 1/? (x)\ntarget-base: 80s\n',
    );
    expect(file).toEqual(out.trimEnd().split('\n'));
  });
  it('redraws one status line with both stages on a terminal; the log file still gets plain lines', () => {
    const { out, file } = feed(true);
    expect(out).toContain('target: fetching packages 2/? (b) | live: fetching packages 1/? (x)');
    expect(out).toContain('\r\x1b[K');
    expect(out.endsWith('\r\x1b[K')).toBe(true);
    expect(file).toContain('target: fetching packages 2/? (b)');
  });
});
