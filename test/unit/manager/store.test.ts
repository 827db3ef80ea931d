import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../manager/server/api/errors.ts';
import { GuestStore } from '../../../manager/server/guests/store.ts';
import type { TaskInfo } from '../../../manager/server/tasks.ts';

describe('GuestStore.reserve', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const store = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-store-'));
    dirs.push(dir);
    return new GuestStore(dir);
  };

  it('hands out the lowest free id from 100, or the id asked for', () => {
    const s = store();
    expect(s.reserve()).toBe(100);
    expect(s.reserve(105)).toBe(105);
    expect(s.reserve()).toBe(101);
  });

  it('refuses an id already reserved with a 400 naming id', () => {
    const s = store();
    s.reserve(120);
    let err: unknown;
    try {
      s.reserve(120);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).issues).toEqual([
      { path: 'id', message: '120 is already used by a guest on this node' },
    ]);
  });
});

describe('GuestStore files', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('reads guest files through the schema; a damaged one is named, skipped, its id kept taken', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-store-'));
    dirs.push(dir);
    const good = new GuestStore(dir);
    good.put({
      kind: 'ct',
      config: {
        id: 100,
        hostname: 'ok',
        template: 'busybox',
        unprivileged: true,
        features: { nesting: true },
        memory: 64,
        swap: 0,
        rootfs: { storage: 'local', size: 8 },
        nics: [],
        sshKeys: [],
        onboot: false,
      },
    });
    writeFileSync(path.join(dir, '101.json'), '{"kind":"vm","config":');
    writeFileSync(
      path.join(dir, '102.json'),
      JSON.stringify({ kind: 'vm', config: { id: 102, name: 'x', memory: 'lots' } }),
    );
    writeFileSync(
      path.join(dir, '103.json'),
      JSON.stringify({ kind: 'ct', config: { id: 104, hostname: 'a', template: 'busybox' } }),
    );
    const logs: string[] = [];
    const s = new GuestStore(dir, (l) => logs.push(l));
    expect(s.list().map((r) => r.config.id)).toEqual([100]);
    expect(logs).toHaveLength(3);
    expect(logs[0]).toMatch(/^guest 101 skipped: .*101\.json: not valid JSON/);
    expect(logs[1]).toMatch(/^guest 102 skipped: .*102\.json: config\.memory: /);
    expect(logs[2]).toMatch(/103\.json: config\.id: is 104, not 103/);
    expect(s.reserve()).toBe(104);
    expect(() => s.reserve(101)).toThrow(/already used/);
  });
});

describe('GuestStore.holding (one lock per guest for long tasks)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'openve-store-lock-'));
  const info = (id: string) => ({ id }) as unknown as TaskInfo;

  it('names the task while it runs, refuses others with a 409 naming guest and task, frees at the end', () => {
    const s = new GuestStore(dir);
    let release = () => {};
    const t = s.holding(700, 'container 700', 'vzdestroy', (r) => {
      release = r;
      return info('UPID:n:1');
    });
    expect(t.id).toBe('UPID:n:1');
    let err: unknown;
    try {
      s.unlocked(700, 'container 700');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).issues).toEqual([
      {
        path: 'id',
        message:
          'container 700 is busy: its vzdestroy task UPID:n:1 is running; try again when it has ended',
      },
    ]);
    expect(() => s.holding(700, 'container 700', 'vzmigrate', () => info('UPID:n:2'))).toThrow(
      /vzdestroy task UPID:n:1/,
    );
    s.unlocked(701, 'container 701');
    release();
    expect(() => s.unlocked(700, 'container 700')).not.toThrow();
  });

  it('frees the lock when the task cannot start, or ends before it is named', () => {
    const s = new GuestStore(dir);
    expect(() =>
      s.holding(702, 'VM 702', 'vmdestroy', () => {
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(s.lockedBy(702)).toBeUndefined();
    s.holding(702, 'VM 702', 'vmdestroy', (r) => (r(), info('UPID:n:3')));
    expect(s.lockedBy(702)).toBeUndefined();
  });
});
