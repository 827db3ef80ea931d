// Progress of the cold build stages, from debootstrap's own `I:` lines. Pure: a reducer over
// output lines plus formatters; build-iso decides whether to redraw a terminal line or log lines.

export type StageStep =
  | 'waiting'
  | 'indices'
  | 'fetching'
  | 'extracting'
  | 'unpacking'
  | 'configuring'
  | 'setup'
  | 'packing'
  | 'done';

export interface StageProgress {
  stage: string;
  step: StageStep;
  /** distinct .deb packages downloaded or validated from the cache so far */
  fetched: number;
  /** packages this stage installs: known once downloading ends, before that the previous build's count (if any) */
  total?: number;
  /** packages past the current step (extracted, unpacked or configured) */
  done: number;
  /** last package named by debootstrap */
  current?: string;
  /** internal: names already counted as fetched */
  seen: readonly string[];
}

export function initialProgress(stage: string, totalHint?: number): StageProgress {
  return { stage, step: 'waiting', fetched: 0, total: totalHint, done: 0, seen: [] };
}

// `I: Retrieving libc6 2.41-12` / `I: Validating libc6 2.41-12` (a .deb has a version; indices do not)
const DEB = /^I: (?:Retrieving|Validating) (\S+) (\S+)$/;
const INDEX =
  /^I: (?:Retrieving|Validating) (?:InRelease|Release|Packages)\b|^I: Checking Release signature|^I: Resolving dependencies/;
const EACH = /^I: (Extracting|Unpacking|Configuring) (\S+)\.\.\.$/;
const STEP_OF: Record<string, StageStep> = {
  Extracting: 'extracting',
  Unpacking: 'unpacking',
  Configuring: 'configuring',
};

/** Next state after one line of debootstrap output (unrelated lines leave it unchanged). */
export function debootstrapLine(p: StageProgress, raw: string): StageProgress {
  const line = raw.trimEnd();
  const deb = DEB.exec(line);
  if (deb) {
    const name = deb[1] as string;
    if (p.seen.includes(name)) return { ...p, step: 'fetching', current: name };
    const fetched = p.fetched + 1;
    const total = p.total !== undefined && p.total < fetched ? undefined : p.total;
    return { ...p, step: 'fetching', fetched, total, current: name, seen: [...p.seen, name] };
  }
  if (INDEX.test(line)) return p.step === 'waiting' ? { ...p, step: 'indices' } : p;
  const each = EACH.exec(line);
  if (each) {
    const step = STEP_OF[each[1] as string] as StageStep;
    // Downloading is over once anything is extracted: what was fetched is the whole set.
    const total =
      p.step === 'fetching' || p.step === 'indices' ? p.fetched : (p.total ?? p.fetched);
    const done = step === p.step ? p.done + 1 : 1;
    return { ...p, step, total, done, current: each[2] };
  }
  if (/^I: Base system installed successfully/.test(line))
    return { ...p, step: 'setup', done: 0, current: undefined };
  return p;
}

/** A stage moved to one of its own steps (chroot setup, packing, done). */
export function enterStep(p: StageProgress, step: StageStep): StageProgress {
  return { ...p, step, done: 0, current: undefined };
}

const LABEL: Record<StageStep, string> = {
  waiting: 'starting',
  indices: 'reading package indices',
  fetching: 'fetching packages',
  extracting: 'extracting',
  unpacking: 'unpacking',
  configuring: 'configuring',
  setup: 'running the setup script in the chroot',
  packing: 'packing',
  done: 'done',
};

/** One stage as text, e.g. `target: fetching packages 57/212 (libc6)`. */
export function formatProgress(p: StageProgress): string {
  const total = p.total === undefined ? '?' : String(p.total);
  let count = '';
  if (p.step === 'fetching') count = ` ${p.fetched}/${total}`;
  else if (p.step === 'extracting' || p.step === 'unpacking' || p.step === 'configuring')
    count = ` ${p.done}/${total}`;
  return `${p.stage}: ${LABEL[p.step]}${count}${p.current ? ` (${p.current})` : ''}`;
}

/**
 * Whether a log (non-terminal) should get a line for this change: every step change, and in a
 * counted step every `every` packages, so a cold build writes tens of lines, not thousands.
 */
export function worthLogging(prev: StageProgress, next: StageProgress, every = 25): boolean {
  if (prev.step !== next.step) return true;
  if (next.step === 'fetching') return next.fetched !== prev.fetched && next.fetched % every === 0;
  if (next.step === 'extracting' || next.step === 'unpacking' || next.step === 'configuring') {
    return next.done !== prev.done && (next.done % every === 0 || next.done === next.total);
  }
  return false;
}

/** Splits a stream of chunks into whole lines (a partial last line waits for the next chunk). */
export function lineSplitter(onLine: (line: string) => void): {
  push(chunk: string): void;
  end(): void;
} {
  let rest = '';
  return {
    push(chunk: string) {
      const parts = (rest + chunk).split(/\r?\n|\r/);
      rest = parts.pop() ?? '';
      for (const l of parts) onLine(l);
    },
    end() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}

export interface ProgressViewOptions {
  /** a terminal: one status line redrawn in place; otherwise plain lines, throttled */
  tty: boolean;
  /** terminal output (stderr) */
  write: (text: string) => void;
  /** the build log file: gets every plain line, terminal or not */
  file: (line: string) => void;
  /** prefix of plain lines, e.g. the elapsed time */
  stamp?: () => string;
  /** terminal width for the status line */
  columns?: number;
  every?: number;
}

export interface ProgressView {
  update(p: StageProgress): void;
  /** a plain line (above the status line, which is redrawn after it) */
  say(line: string): void;
  /** clear the status line (end of the build) */
  close(): void;
}

/** Shows parallel stages: on a terminal `target: fetching packages 57/212 | live: configuring 30/180`. */
export function progressView(opts: ProgressViewOptions): ProgressView {
  const stages = new Map<string, StageProgress>();
  let shown = false;
  const clear = () => {
    if (shown) opts.write('\r\x1b[K');
    shown = false;
  };
  const draw = () => {
    if (!opts.tty) return;
    const text = [...stages.values()]
      .filter((p) => p.step !== 'done')
      .map(formatProgress)
      .join(' | ');
    clear();
    if (!text) return;
    const width = opts.columns ?? 120;
    opts.write(text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text);
    shown = true;
  };
  const plain = (line: string, terminal: boolean) => {
    const stamped = `${opts.stamp?.() ?? ''}${line}`;
    opts.file(stamped);
    if (terminal) {
      clear();
      opts.write(`${stamped}\n`);
    }
  };
  return {
    update(p) {
      const prev = stages.get(p.stage) ?? initialProgress(p.stage);
      stages.set(p.stage, p);
      if (worthLogging(prev, p, opts.every)) plain(formatProgress(p), !opts.tty);
      draw();
    },
    say(line) {
      plain(line, true);
      draw();
    },
    close: clear,
  };
}
