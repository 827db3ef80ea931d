// An installed node booted `degraded` in a loaded QEMU TCG e2e run: lvm2-monitor.service failed
// with status=5/NOTINSTALLED at 143 s. Its `vgchange --monitor y` registers the thin pool (activated
// in the initramfs) with dmeventd, and libdevmapper-event's client gives up when a just-started
// dmeventd has not answered within ~6 s (hard-coded; no lvm.conf setting). The payload layer ships
// a drop-in that starts dmeventd ahead of the unit and retries it, bounded, so the monitoring the
// thin pool needs still happens and a lasting failure still shows.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stagePayloadLayer } from '../../../iso/recipe/assemble.ts';

const DROP_IN = 'etc/systemd/system/lvm2-monitor.service.d/openve-dmeventd.conf';
/** libdevmapper-event `_daemon_read`: six 1-s polls without a byte of the reply, then "No input from event server." */
const CLIENT_WINDOW_S = 6;

type Unit = Record<string, Record<string, string[]>>;

/** systemd unit syntax: sections, `Key=value` (repeatable), `#`/`;` comments. */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1] as string;
      unit[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || section === '') throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, eq).trim();
    const sec = (unit[section] ??= {});
    (sec[key] ??= []).push(line.slice(eq + 1).trim());
  }
  return unit;
}

/** systemd time spans as used here: `3s`, `5min`, `1min 30s`, plain seconds. */
function seconds(span: string): number {
  let total = 0;
  for (const m of span.matchAll(/(\d+)\s*(ms|s|sec|min|m|h)?/g)) {
    const n = Number(m[1]);
    const unit = m[2] ?? 's';
    total +=
      unit === 'ms'
        ? n / 1000
        : unit === 'min' || unit === 'm'
          ? n * 60
          : unit === 'h'
            ? n * 3600
            : n;
  }
  return total;
}

function stagedDropIn(): string {
  const tmp = mkdtempSync(path.join(tmpdir(), 'openve-inst-layer-'));
  try {
    const bundles = path.join(tmp, 'bundles');
    mkdirSync(bundles);
    const dir = path.join(tmp, 'layer');
    mkdirSync(dir);
    stagePayloadLayer(dir, { dir: bundles });
    return readFileSync(path.join(dir, DROP_IN), 'utf8');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe('lvm2-monitor on the installed node (slow dmeventd)', () => {
  const unit = parseUnit(stagedDropIn());
  const one = (section: string, key: string): string | undefined => {
    const v = unit[section]?.[key];
    return v === undefined ? undefined : v[v.length - 1];
  };

  it('is in every payload layer, and keeps the vendor command (monitoring is not switched off)', () => {
    expect(unit.Service).toBeDefined();
    // no ExecStart override, no condition that skips the unit, no --ignoremonitoring
    expect(unit.Service?.ExecStart).toBeUndefined();
    expect(Object.keys(unit.Unit ?? {}).filter((k) => k.startsWith('Condition'))).toEqual([]);
  });

  it('starts dmeventd in the same transaction, before the unit asks it (vendor After= alone pulls nothing in)', () => {
    expect((unit.Unit?.Wants ?? []).join(' ').split(/\s+/)).toContain('dm-event.service');
  });

  it('retries a failed registration without passing through the failed state', () => {
    expect(one('Service', 'Restart')).toBe('on-failure'); // the only value a oneshot may have besides no
    expect(one('Service', 'RestartMode')).toBe('direct');
  });

  it('bounds the retries: a lasting failure still fails the unit, and a slow dmeventd gets >= 30 s', () => {
    const burst = Number(one('Unit', 'StartLimitBurst'));
    const interval = seconds(one('Unit', 'StartLimitIntervalSec') ?? '10s');
    const pause = seconds(one('Service', 'RestartSec') ?? '0.1');
    expect(Number.isInteger(burst) && burst >= 2).toBe(true);
    // each failing attempt waits out the client's window; 10 s more for lvm itself on a slow node
    expect(burst * (pause + CLIENT_WINDOW_S + 10)).toBeLessThanOrEqual(interval);
    expect((burst - 1) * (pause + CLIENT_WINDOW_S)).toBeGreaterThanOrEqual(30);
  });
});
