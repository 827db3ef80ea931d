// applyPlan's second lane (issue 10: install within 1.5x of extraction): steps with
// `concurrentWith` run beside their lead step; progress stays the lead's story; a failure in
// either lane waits for the other, then cleans up.
import { describe, expect, it } from 'vitest';
import { recordingRunner } from '../../../lib/exec/recording.ts';
import { applyPlan } from '../../../installer/apply/applyPlan.ts';
import type { Handler, HandlerMap } from '../../../installer/apply/context.ts';
import type { Plan, Step } from '../../../contracts/plan/types.ts';
import type { ProgressEvent } from '../../../contracts/progress.ts';
import { buildPlan } from '../../../installer/plan/buildPlan.ts';
import { answers, fixture } from '../plan/helpers.ts';

function plan(steps: Step[]): Plan {
  return {
    version: 1,
    target: '/target',
    summary: {
      fqdn: 'n.example',
      hostname: 'n',
      filesystem: 'ext4',
      layout: 'test',
      disks: [],
      nic: { name: 'eth0', mac: '00:00:00:00:00:01' },
      pins: [],
      pinsFrom: 'default',
      network: { source: 'from-dhcp' },
      volumes: [],
      timezone: 'UTC',
      keyboard: 'en-us',
      cluster: null,
    },
    warnings: [],
    steps,
  };
}

const STEPS: Step[] = [
  {
    id: 'mount:target',
    title: 'Mounting',
    weight: 1,
    kind: 'mount',
    mounts: [{ device: '/dev/openve/root', mountpoint: '/', fstype: 'ext4', options: [] }],
  },
  {
    id: 'extract:payload',
    title: 'Copying the system',
    weight: 6,
    kind: 'extract',
    source: 'payload',
  },
  {
    id: 'lvcreate:openve',
    title: 'Thin pool',
    weight: 1,
    kind: 'lvcreate',
    vg: 'openve',
    volumes: [{ name: 'data', sizeMiB: 1024, type: 'thin-pool' }],
    concurrentWith: 'extract:payload',
  },
  {
    id: 'mkfs:swap',
    title: 'Swap',
    weight: 1,
    kind: 'mkfs',
    device: '/dev/openve/swap',
    fstype: 'swap',
    label: 'swap',
    uuid: 'u',
    concurrentWith: 'extract:payload',
  },
  { id: 'finalize', title: 'Finishing', weight: 1, kind: 'finalize' },
];

/** handlers that record start/end and let the test decide when extraction ends */
function gated(opts: { failSide?: boolean; failLead?: boolean } = {}) {
  const order: string[] = [];
  let release!: () => void;
  const extractGate = new Promise<void>((r) => (release = r));
  let sideRan = 0;
  const rec = (): Handler<Step['kind']> =>
    (async (step: Step) => {
      order.push(`start ${step.id}`);
      await Promise.resolve();
      order.push(`end ${step.id}`);
    }) as Handler<Step['kind']>;
  const handlers: Partial<HandlerMap> = {
    mount: rec() as HandlerMap['mount'],
    extract: (async (step, ctx) => {
      order.push(`start ${step.id}`);
      ctx.progress(0.5);
      await extractGate;
      order.push(`end ${step.id}`);
      if (opts.failLead) throw new Error('tar: disk full');
    }) as HandlerMap['extract'],
    lvcreate: (async (step, ctx) => {
      order.push(`start ${step.id}`);
      sideRan++;
      ctx.progress(0.5, 'side text is not shown');
      order.push(`end ${step.id}`);
      if (opts.failSide) throw new Error('lvcreate: no space');
    }) as HandlerMap['lvcreate'],
    // the last step beside extraction ends it: proof that both ran at the same time
    mkfs: (async (step) => {
      order.push(`start ${step.id}`);
      order.push(`end ${step.id}`);
      release();
    }) as HandlerMap['mkfs'],
    finalize: rec() as HandlerMap['finalize'],
  };
  if (opts.failSide) setTimeout(() => release(), 10);
  return { order, handlers, sideRan: () => sideRan };
}

describe('applyPlan: steps beside a lead step', () => {
  it('starts the steps beside extraction while it runs, and waits for both before going on', async () => {
    const events: ProgressEvent[] = [];
    const g = gated();
    const out = await applyPlan(plan(STEPS), {
      runner: recordingRunner(),
      emit: (e) => events.push(e),
      handlers: g.handlers,
      afterInstall: [],
    });
    expect(out.ok).toBe(true);
    expect(g.order).toEqual([
      'start mount:target',
      'end mount:target',
      'start extract:payload',
      'start lvcreate:openve', // before extraction ended: it only ends once this has run
      'end lvcreate:openve',
      'start mkfs:swap',
      'end mkfs:swap',
      'end extract:payload',
      'start finalize',
      'end finalize',
    ]);
    const progress = events.filter(
      (e): e is Extract<ProgressEvent, { type: 'progress' }> => e.type === 'progress',
    );
    // one story: during the group every event names the lead, ratios only move forward
    expect(progress.map((p) => [p.step, p.text, p.ratio])).toEqual([
      ['mount:target', 'Mounting', 0],
      ['extract:payload', 'Copying the system', 0.1],
      ['extract:payload', 'Copying the system', 0.4],
      ['extract:payload', 'Copying the system', 0.45],
      ['extract:payload', 'Copying the system', 0.5],
      ['finalize', 'Finishing', 0.9],
      ['done', 'Installation complete', 1],
    ]);
  });

  it('a failing step beside extraction waits for extraction, reports itself and cleans up', async () => {
    const events: ProgressEvent[] = [];
    const g = gated({ failSide: true });
    const r = recordingRunner();
    const out = await applyPlan(plan(STEPS), {
      runner: r,
      emit: (e) => events.push(e),
      handlers: g.handlers,
      afterInstall: [],
    });
    expect(out).toMatchObject({
      ok: false,
      failedStep: 'lvcreate:openve',
      error: 'lvcreate:openve failed: lvcreate: no space',
    });
    expect(g.order).toContain('end extract:payload');
    expect(g.order).not.toContain('start mkfs:swap');
    expect(g.order).not.toContain('start finalize');
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
    expect(events.some((e) => e.type === 'message' && e.text.startsWith('Cleaning up'))).toBe(true);
    expect(events[events.length - 1]).toMatchObject({ type: 'finished', ok: false });
  });

  it('a failing lead waits for the steps beside it and is the one reported', async () => {
    const events: ProgressEvent[] = [];
    const g = gated({ failLead: true });
    const out = await applyPlan(plan(STEPS), {
      runner: recordingRunner(),
      emit: (e) => events.push(e),
      handlers: g.handlers,
      afterInstall: [],
    });
    expect(out).toMatchObject({ ok: false, failedStep: 'extract:payload' });
    expect(g.order.indexOf('end mkfs:swap')).toBeGreaterThan(-1);
    expect(g.order).not.toContain('start finalize');
  });

  it('refuses a plan whose concurrent step is not next to its lead, before running anything', async () => {
    const events: ProgressEvent[] = [];
    const g = gated();
    const bad = [STEPS[0]!, STEPS[2]!, STEPS[1]!, STEPS[4]!];
    const out = await applyPlan(plan(bad), {
      runner: recordingRunner(),
      emit: (e) => events.push(e),
      handlers: g.handlers,
      afterInstall: [],
    });
    expect(out.ok).toBe(false);
    expect(out.error).toBe(
      'lvcreate:openve runs beside extract:payload, which must come right before it (or before the steps beside it)',
    );
    expect(g.order).toEqual([]);
  });

  it("holds the lead's last figure while the steps beside it move the bar (no flicker back to the bare title)", async () => {
    const events: ProgressEvent[] = [];
    const g = gated();
    let release!: () => void;
    const sideDone = new Promise<void>((r) => (release = r));
    const handlers: Partial<HandlerMap> = {
      ...g.handlers,
      extract: (async (_step, ctx) => {
        ctx.progress(0.2, 'Copying the system: 57 of 851 MiB');
        await sideDone;
        ctx.progress(0.9, 'Copying the system: 800 of 851 MiB');
      }) as HandlerMap['extract'],
      mkfs: (async () => release()) as HandlerMap['mkfs'],
    };
    await applyPlan(plan(STEPS), {
      runner: recordingRunner(),
      emit: (e) => events.push(e),
      handlers,
      afterInstall: [],
    });
    const texts = events.flatMap((e) =>
      e.type === 'progress' && e.step === 'extract:payload' ? [e.text] : [],
    );
    expect(texts).toEqual([
      'Copying the system',
      'Copying the system: 57 of 851 MiB',
      'Copying the system: 57 of 851 MiB', // the thin pool beside it at half way
      'Copying the system: 57 of 851 MiB', // the thin pool done
      'Copying the system: 800 of 851 MiB',
    ]);
  });
});

// The real plan through the real handlers: which commands run while tar, grub-install and the thin
// pool run (issue 10: the thin pool beside the extraction took CPU from tar; GRUB after the
// extraction was the longest step of the install's tail: it now runs beside tar, from the live system).
describe('applyPlan: the planned lanes, command by command', () => {
  type Long = 'tar' | 'grub-install' | 'thin-pool';
  /** a recording runner in which tar and the thin pool stay busy until `until` saw a command (or 2 s) */
  function lanes(fail?: RegExp) {
    const busy = new Set<Long>();
    /** every command started, with the long commands running at that moment */
    const seen: { argv: string; during: Long[] }[] = [];
    const waiters: { re: RegExp; done: () => void }[] = [];
    const until = (re: RegExp) =>
      new Promise<void>((resolve) => {
        if (seen.some((s) => re.test(s.argv))) return resolve();
        const t = setTimeout(resolve, 2000); // a wrong plan fails the assertions, not by hanging
        waiters.push({ re, done: () => (clearTimeout(t), resolve()) });
      });
    const long = (argv: readonly string[]): Long | null =>
      argv[0] === 'tar' && argv.includes('--zstd')
        ? 'tar'
        : argv.includes('grub-install')
          ? 'grub-install'
          : argv[0] === 'lvcreate' && argv.includes('thin-pool')
            ? 'thin-pool'
            : null;
    const r = recordingRunner({
      rules: [
        {
          match: () => true,
          respond: async (argv) => {
            const line = argv.join(' ');
            seen.push({ argv: line, during: [...busy] });
            for (const w of waiters.filter((x) => x.re.test(line))) w.done();
            const l = long(argv);
            if (l) {
              busy.add(l);
              // each keeps running until its planned neighbours have started
              await (l === 'tar'
                ? until(/^mkswap /)
                : l === 'thin-pool'
                  ? until(/^rm -f .*machine-id/)
                  : new Promise((res) => setTimeout(res, 5)));
              busy.delete(l);
            }
            return fail?.test(line) ? { exitCode: 5, stderr: 'Insufficient free space' } : {};
          },
        },
      ],
    });
    return { r, seen, during: (re: RegExp) => seen.find((s) => re.test(s.argv))?.during };
  }
  const realPlan = () => {
    const p = buildPlan(answers(), fixture('single-sata'));
    if (!p.ok) throw new Error(JSON.stringify(p.issues));
    return p.value;
  };
  const install = (l: ReturnType<typeof lanes>, events: ProgressEvent[] = []) =>
    applyPlan(realPlan(), {
      runner: l.r,
      emit: (e) => events.push(e),
      payload: '/nonexistent/payload.tar.zst',
      secrets: { rootPassword: { kind: 'hashed', hash: '$6$salt$hash' } },
      afterInstall: [],
    });

  it('only root before tar; ESP, grub-install, swap LV and mkswap beside tar; the configuration beside the thin pool', async () => {
    const l = lanes();
    const out = await install(l);
    expect(out.error).toBeUndefined();
    const at = (re: RegExp) => l.seen.findIndex((s) => re.test(s.argv));
    const tar = at(/^tar --zstd/);
    expect(at(/^lvcreate .* -n root openve$/)).toBeLessThan(tar);
    expect(l.seen.slice(0, tar).filter((s) => s.argv.startsWith('lvcreate'))).toHaveLength(1);
    expect(l.during(/^mkfs\.vfat /)).toEqual(['tar']);
    // GRUB from the live system while tar runs, after the ESP is formatted, one grub-install at a time
    expect(l.during(/^grub-install --target=i386-pc /)).toEqual(['tar']);
    expect(l.during(/^grub-install --target=x86_64-efi /)).toEqual(['tar']);
    expect(at(/^grub-install/)).toBeGreaterThan(at(/^mkfs\.vfat /));
    expect(l.seen.filter((s) => s.argv.includes('grub-install'))).toHaveLength(2);
    expect(l.seen.some((s) => s.argv.startsWith('chroot /target grub-install'))).toBe(false);
    expect(l.during(/^lvcreate .* -n swap openve$/)).toEqual(['tar']);
    expect(l.during(/^mkswap /)).toEqual(['tar']);
    // nothing heavy beside tar: the thin pool after it, alone, with the configuration beside it
    expect(l.during(/--type thin-pool/)).toEqual([]);
    expect(at(/--type thin-pool/)).toBeGreaterThan(at(/^sync -f /));
    expect(l.during(/chpasswd -e/)).toEqual(['thin-pool']);
    expect(at(/chpasswd -e/)).toBeGreaterThan(at(/--type thin-pool/));
    expect(at(/^vgchange -an openve$/)).toBeGreaterThan(at(/--type thin-pool/));
  });

  it('a failing grub-install beside tar waits for tar, is reported like any step, and cleans up', async () => {
    const l = lanes(/^grub-install --target=i386-pc/);
    const events: ProgressEvent[] = [];
    const out = await install(l, events);
    expect(out).toMatchObject({ ok: false, failedStep: 'bootloader:grub' });
    expect(out.error).toMatch(
      /^bootloader:grub failed: `grub-install --target=i386-pc --boot-directory=\/target\/boot --recheck \/dev\/sda` exited with 5\nInsufficient free space$/,
    );
    // tar finished (its sync ran), the rest of the lane did not start, nothing after the extraction ran
    expect(l.seen.some((s) => s.argv.startsWith('sync -f'))).toBe(true);
    expect(l.seen.some((s) => s.argv.startsWith('mkswap'))).toBe(false);
    expect(l.seen.some((s) => /thin-pool|chpasswd|^install -m 0600/.test(s.argv))).toBe(false);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
    expect(events[events.length - 1]).toMatchObject({ type: 'finished', ok: false });
  });

  it('a failing thin pool waits for the configuration beside it, is reported like any step, and cleans up', async () => {
    const l = lanes(/--type thin-pool/);
    const events: ProgressEvent[] = [];
    const out = await install(l, events);
    expect(out).toMatchObject({ ok: false, failedStep: 'lvcreate:openve/data' });
    expect(out.error).toMatch(
      /^lvcreate:openve\/data failed: `lvcreate --yes --monitor n --type thin-pool .* -n data openve` exited with 5\nInsufficient free space$/,
    );
    expect(l.seen.some((s) => /chpasswd -e/.test(s.argv))).toBe(true);
    // cleanup (unmount, deactivate) after both lanes: nothing of finalize ran
    expect(l.seen.some((s) => s.argv.startsWith('install -m 0600'))).toBe(false);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
    expect(events[events.length - 1]).toMatchObject({ type: 'finished', ok: false });
  });
});
