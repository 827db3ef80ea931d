// applyPlan: order, progress from weights, failure reports and cleanup; and `auto` end to end in
// dry-run against a recorded machine (no root, nothing touched).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordingRunner } from '../../../lib/exec/recording.ts';
import { createRunner } from '../../../lib/exec/factory.ts';
import { applyPlan } from '../../../installer/apply/applyPlan.ts';
import type { Plan, Step } from '../../../contracts/plan/types.ts';
import type { ProgressEvent } from '../../../contracts/progress.ts';
import { autoInstall, findPayload, kernelConfirmsWipe, type AutoOptions } from '../../../installer/commands/auto.ts';
import { loadHardwareFile } from '../../../installer/hardware/fixture.ts';
import { UserError } from '../../../lib/errors.ts';

const PW = 'passw0rd-fixture';

function plan(steps: Step[]): Plan {
  return {
    version: 1,
    target: '/target',
    summary: {
      fqdn: 'n.example', hostname: 'n', filesystem: 'ext4', layout: 'test', disks: [], nic: { name: 'eth0', mac: '00:00:00:00:00:01' },
      network: { source: 'from-dhcp' }, volumes: [], timezone: 'UTC', keyboard: 'en-us', cluster: null,
    },
    warnings: ['no VT-x'],
    steps,
  };
}

const steps: Step[] = [
  { id: 'mount:target', title: 'Mounting', weight: 1, kind: 'mount', mounts: [{ device: '/dev/openve/root', mountpoint: '/', fstype: 'ext4', options: [] }] },
  { id: 'extract:payload', title: 'Copying the system', weight: 8, kind: 'extract', source: 'payload' },
  { id: 'bind:target', title: 'Binding', weight: 1, kind: 'bind-mounts', paths: ['/dev', '/proc'] },
  { id: 'password:root', title: 'Password', weight: 1, kind: 'root-password', secret: 'root-password' },
  { id: 'finalize', title: 'Finishing', weight: 1, kind: 'finalize' },
];

describe('applyPlan', () => {
  it('runs steps in order with weighted, monotonic progress and a finished event', async () => {
    const events: ProgressEvent[] = [];
    const r = recordingRunner({
      rules: [
        { match: ['unsquashfs'], respond: { stdout: '\r[=] 50%\r[==] 100%' } },
        { match: ['mkpasswd'], respond: { stdout: '$y$x$y\n' } },
      ],
    });
    const out = await applyPlan(plan(steps), { runner: r, emit: (e) => events.push(e), payload: '/p.squashfs', secrets: { rootPassword: { kind: 'plain', value: PW } }, afterInstall: [] });
    expect(out.ok).toBe(true);
    const progress = events.filter((e): e is Extract<ProgressEvent, { type: 'progress' }> => e.type === 'progress');
    expect(progress.map((p) => [p.step, p.ratio])).toEqual([
      ['mount:target', 0],
      ['extract:payload', 0.083],
      ['extract:payload', 0.683],
      ['extract:payload', 0.683],
      ['extract:payload', 0.75],
      ['bind:target', 0.75],
      ['password:root', 0.833],
      ['finalize', 0.917],
      ['done', 1],
    ]);
    expect(events[0]).toEqual({ type: 'warning', text: 'no VT-x' });
    expect(events[events.length - 1]).toMatchObject({ type: 'finished', ok: true });
    expect(JSON.stringify(events)).not.toContain(PW);
  });

  it('stops at a failing command, reports step/command/exit/tail, and undoes mounts in reverse', async () => {
    const events: ProgressEvent[] = [];
    const r = recordingRunner({ rules: [{ match: ['mkpasswd'], respond: { stdout: '$y$x$y\n' } }] });
    r.failOn(['chroot', '/target', 'chpasswd'], { exitCode: 1, stderr: 'chpasswd: cannot lock /etc/shadow' });
    r.on({ match: ['vgs'], respond: { stdout: '  openve\n' } });
    const stepsWithLvm: Step[] = [{ id: 'lvm:openve', title: 'LVM', weight: 1, kind: 'lvm', vg: 'openve', pvs: ['/dev/sda3'], volumes: [] }, ...steps];
    const out = await applyPlan(plan(stepsWithLvm), { runner: r, emit: (e) => events.push(e), payload: '/p.tar.zst', secrets: { rootPassword: { kind: 'plain', value: PW } }, afterInstall: [] });
    expect(out).toMatchObject({ ok: false, failedStep: 'password:root' });
    const error = events.find((e) => e.type === 'error');
    expect(error).toEqual({
      type: 'error',
      step: 'password:root',
      text: 'password:root failed: `chroot /target chpasswd -e` exited with 1\nchpasswd: cannot lock /etc/shadow',
    });
    const after = r.calls.slice(r.calls.findIndex((c) => c.argv[2] === 'chpasswd') + 1).map((c) => c.argv.join(' '));
    expect(after.filter((a) => a.startsWith('umount') || a.startsWith('vgchange'))).toEqual([
      'umount /target/proc',
      'umount /target/dev',
      'umount /target',
      'vgchange -an openve',
    ]);
    expect(events[events.length - 1]).toMatchObject({ type: 'finished', ok: false });
    expect(r.calls.some((c) => c.argv.includes('finalize'))).toBe(false);
  });

  it('reports a non-command failure by step id and message', async () => {
    const events: ProgressEvent[] = [];
    const out = await applyPlan(plan([steps[1] as Step]), { runner: recordingRunner(), emit: (e) => events.push(e), payload: null, afterInstall: [] });
    expect(out.error).toBe('extract:payload failed: extract:payload: no payload given (--payload or OPENVE_PAYLOAD)');
  });

  it('runs after-install hooks; a failing hook is only a warning', async () => {
    const events: ProgressEvent[] = [];
    const seen: string[] = [];
    const out = await applyPlan(plan([]), {
      runner: recordingRunner(),
      emit: (e) => events.push(e),
      afterInstall: [async (c) => void seen.push(c.target), async () => Promise.reject(new Error('webhook unreachable'))],
    });
    expect(out.ok).toBe(true);
    expect(seen).toEqual(['/target']);
    expect(events).toContainEqual({ type: 'warning', text: 'after install: webhook unreachable' });
  });
});

const FIXTURE = path.resolve('test/fixtures/hardware/qemu-virtio-2disk.json');
const ANSWER = `[global]
keyboard = "de"
country = "at"
fqdn = "pve1.example.test"
mailto = "root@example.test"
timezone = "Europe/Vienna"
root-password = "${PW}"

[network]
source = "from-dhcp"

[disk-setup]
filesystem = "ext4"
disk-list = ["vda"]
`;

function autoOpts(over: Partial<AutoOptions> = {}): AutoOptions {
  return {
    answerText: ANSWER, answerSource: 'a.toml', hardware: loadHardwareFile(FIXTURE), payload: '/run/live/medium/openve/payload.squashfs',
    confirmed: false, logPath: null, firstBootHook: null, target: null, mode: 'dry-run', ...over,
  };
}

describe('auto', () => {
  it('dry-run: the whole plan runs through the dry-run runner and touches nothing', async () => {
    const lines: string[] = [];
    const target = mkdtempSync(path.join(tmpdir(), 'openve-auto-dry-'));
    const logPath = path.join(target, '..', `${path.basename(target)}.log`);
    const out = await autoInstall(autoOpts({ target, logPath }), { write: (l) => lines.push(l) });
    expect(out.ok).toBe(true);
    expect(readdirSync(target)).toEqual([]);
    const events = lines.map((l) => JSON.parse(l) as ProgressEvent);
    expect(events[events.length - 1]).toMatchObject({ type: 'finished', ok: true });
    const steps = new Set(events.flatMap((e) => (e.type === 'progress' ? [e.step] : [])));
    for (const s of out.plan?.steps ?? []) expect(steps.has(s.id)).toBe(true);
    expect(lines.join('')).not.toContain(PW);
    expect(existsSync(logPath)).toBe(true);
  });

  it('refuses to wipe without confirmation, listing the disks, before running anything', async () => {
    const r = recordingRunner();
    const err = await autoInstall(autoOpts({ mode: 'real' }), { runner: () => r, write: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/erases \/dev\/vda .*--yes.*openve.confirm-wipe=1/);
    expect(r.calls).toEqual([]);
  });

  it('reports answer-file problems as UserError', async () => {
    await expect(autoInstall(autoOpts({ answerText: '[global]\n' }), { write: () => {} })).rejects.toBeInstanceOf(UserError);
  });

  it('finds the payload: flag, then OPENVE_PAYLOAD, then the medium', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-payload-'));
    const sq = path.join(dir, 'payload.squashfs');
    const tz = path.join(dir, 'payload.tar.zst');
    writeFileSync(tz, '');
    expect(findPayload(tz, undefined, false)).toBe(tz);
    expect(findPayload(undefined, tz, false)).toBe(tz);
    expect(findPayload(undefined, undefined, false, [sq, tz])).toBe(tz);
    expect(() => findPayload(sq, undefined, false)).toThrow(/--payload: .*no such file/);
    expect(() => findPayload('/x/payload.zip', undefined, true)).toThrow(/unknown payload format/);
    expect(() => findPayload(undefined, undefined, false, [sq])).toThrow(/pass --payload FILE or set OPENVE_PAYLOAD/);
  });

  it('reads the wipe confirmation from the kernel command line', () => {
    expect(kernelConfirmsWipe('BOOT_IMAGE=/vmlinuz boot=live openve.confirm-wipe=1 quiet')).toBe(true);
    expect(kernelConfirmsWipe('openve.confirm-wipe=0')).toBe(false);
  });

  it('the factory dry-run runner is what auto uses in dry-run mode', async () => {
    expect((await createRunner('dry-run').run(['wipefs', '-a', '/dev/vda'])).exitCode).toBe(0);
  });
});
