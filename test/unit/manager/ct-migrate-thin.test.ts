// A restart-migration of a container whose root file system is an LVM-thin volume is refused with
// a 400 naming the guest and its volume, before anything is stopped or sent (thin volumes do not
// move between nodes yet; `openve ct migrate` and `openve node evacuate` both come through here).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';
import type { CtConfig, NodeFacts } from '../../../contracts/manager/guest.ts';
import { CtMigration } from '../../../manager/server/guests/ctMigrate.ts';
import { GuestStore } from '../../../manager/server/guests/store.ts';
import type { Lxc } from '../../../manager/server/engines/lxc.ts';
import type { ClusterService } from '../../../manager/server/cluster/view.ts';
import type { TaskManager } from '../../../manager/server/tasks.ts';
import type { EventHub } from '../../../manager/server/events.ts';
import { ApiError } from '../../../manager/server/api/errors.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-mgr-ctmig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const facts: NodeFacts = {
  name: 'n1',
  accel: 'qemu',
  storages: [
    { id: 'local', type: 'dir', path: path.join(dir, 'storage') },
    { id: 'local-lvm', type: 'lvmthin', vg: 'openve', pool: 'data' },
  ],
  isos: [],
  isoDir: path.join(dir, 'iso'),
  bridges: ['vmbr0'],
  templates: ['t.tar.gz'],
  templateDir: path.join(dir, 'templates'),
  lxcPath: path.join(dir, 'lxc'),
  cgroup: 'v2',
  emulator: '/usr/bin/qemu-system-x86_64',
};

const ct = (id: number, storage: string): CtConfig => ({
  id,
  hostname: `ct${id}`,
  template: 't.tar.gz',
  unprivileged: true,
  features: { nesting: true },
  memory: 128,
  swap: 0,
  rootfs: { storage, size: 2 },
  nics: [],
  sshKeys: [],
  onboot: false,
});

describe('restart-migration of a container on LVM-thin', () => {
  it('is refused with a 400 naming the container and its volume; nothing runs, no task starts', () => {
    mkdirSync(path.join(dir, 'guests'));
    const store = new GuestStore(path.join(dir, 'guests'));
    store.put({ kind: 'ct', config: ct(7400, 'local-lvm') });
    const runner = createRunner('recording', {});
    let tasks = 0;
    const mig = new CtMigration({
      store,
      lxc: { state: () => 'RUNNING' } as unknown as Lxc,
      runner,
      facts: () => facts,
      tasks: {
        start: () => {
          tasks++;
          throw new Error('no task expected');
        },
      } as unknown as TaskManager,
      hub: { emit: () => {} } as unknown as EventHub,
      tmpDir: dir,
      cluster: {
        membership: {
          get: () => ({ self: 'n1', clusterName: 'c', nodes: [{ name: 'n1' }, { name: 'n2' }] }),
        },
        member: (name: string) => ({ name }),
      } as unknown as ClusterService,
    });
    let err: unknown;
    try {
      mig.migrate(7400, { target: 'n2', restart: true }, 'root@pam');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).issues).toEqual([
      {
        path: 'rootfs.storage',
        message:
          "container 7400 cannot move: its root file system is the LVM-thin volume vm-7400-disk-0 on 'local-lvm', and only containers on a directory storage move between nodes",
      },
    ]);
    expect(runner.calls).toEqual([]);
    expect(tasks).toBe(0);
  });
});
