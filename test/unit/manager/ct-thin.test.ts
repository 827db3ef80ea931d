// Containers with their root file system on an LVM-thin volume (vm-ID-disk-0 in openve/data):
// the commands of create (thin LV, ext4 owned by the container's root, mounted where LXC's
// pre-start hook will mount it, filled, unmounted), of a failed create (everything undone, in
// reverse; nothing when the volume will not unmount) and of delete (the volume removed); the same
// steps without the mount for a directory; the volume in the storage content with what it
// takes; a restart-migration refused naming the guest. The engines are only recorded here; the
// real thing runs in the installed-node e2e (test/e2e/lib/managerChecks.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StorageContentListSchema } from '../../../contracts/manager/storage.ts';
import { isMountPoint } from '../../../manager/server/guests/cts.ts';
import { parseCtConfig } from '../../../contracts/manager/guest.ts';
import { lxcConfig } from '../../../manager/server/config/lxcConfig.ts';
import { ctRootfsMountDir } from '../../../manager/server/config/volumes.ts';
import { goldenNode } from '../../golden/manager/node.ts';
import { testManager, type TestManager } from './helpers.ts';
import { nodeRequest, runCli, taskStatus } from '../../helpers/manager.ts';

let t: TestManager;
const req = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  nodeRequest<unknown>(t.m, method, url, payload);

/** the commands run since call number `from`, without the engines' background queries */
const since = (from: number) =>
  t.runner.calls
    .slice(from)
    .map((c) => c.argv)
    .filter((a) => !['lxc-ls', 'lxc-monitor', 'virsh', 'lvs', 'du'].includes(a[0] as string));

const lvs = (names: { name: string; size: number; percent: string }[]) =>
  JSON.stringify({
    report: [
      {
        lv: [
          {
            lv_name: 'data',
            lv_attr: 'twi-aotz--',
            lv_size: '10737418240',
            pool_lv: '',
            data_percent: '10.00',
            metadata_percent: '1.00',
            lv_time: '',
          },
          ...names.map((n) => ({
            lv_name: n.name,
            lv_attr: 'Vwi-a-tz--',
            lv_size: String(n.size),
            pool_lv: 'data',
            data_percent: n.percent,
            metadata_percent: '',
            lv_time: '2026-12-03 08:00:00 +0000',
          })),
        ],
      },
    ],
  });

beforeAll(async () => {
  t = await testManager();
  writeFileSync(
    path.join(t.dir, 'storages.json'),
    JSON.stringify([
      { id: 'local', type: 'dir', path: path.join(t.dir, 'storage') },
      { id: 'local-lvm', type: 'lvmthin', vg: 'openve', pool: 'data' },
    ]),
  );
  writeFileSync(path.join(t.dir, 'templates', 'tiny.tar.gz'), 'x');
  // a directory storage's root file system is made (the manager writes the network config into it)
  t.runner.on({
    match: ['mkdir', '-p', '--'],
    respond: async (argv) => {
      mkdirSync(argv.at(-1) ?? '', { recursive: true });
      return { exitCode: 0, stdout: '', stderr: '' };
    },
  });
  // what lxc-create makes: the container's directory (the manager appends to its config there)
  t.runner.on({
    match: ['lxc-create'],
    respond: async (argv) => {
      const at = (flag: string) => argv[argv.indexOf(flag) + 1] ?? '';
      mkdirSync(path.join(at('-P'), at('-n')), { recursive: true });
      return { exitCode: 0, stdout: '', stderr: '' };
    },
  });
  await new Promise((r) => setTimeout(r, 1100)); // node facts are read at most once a second
}, 60_000);
afterAll(async () => t?.close());

const root = (id: number) => path.join(t.dir, 'lxc', `ct-${id}`, 'rootfs');

/**
 * The shared set-up of every test here: a request that starts a task (202), the task's end, and
 * the commands it ran (without the engines' background queries). `fail` makes the first command
 * whose argv[0] is that name fail with `stderr`.
 */
async function ctTask(
  method: 'POST' | 'DELETE',
  url: string,
  body?: object,
  fail?: { command: string; stderr: string },
) {
  if (fail) t.runner.failOn((argv) => argv[0] === fail.command, { stderr: fail.stderr });
  const from = t.runner.calls.length;
  const r = await req(method, url, body);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const task = await taskStatus(t.m, (r.body.data as { task: string }).task);
  return { task, log: task.log.join('\n'), calls: since(from) };
}

/** a container from tiny.tar.gz with its root file system on local-lvm (or `storage`) */
const createCt = (
  id: number,
  size: number,
  fail?: { command: string; stderr: string },
  storage = 'local-lvm',
) =>
  ctTask(
    'POST',
    '/cts',
    { id, hostname: `ct${id}`, template: 'tiny.tar.gz', rootfs: { storage, size } },
    fail,
  );

describe('container on LVM-thin', () => {
  it('create: thin LV, ext4 owned by the mapped root, mounted, filled in the user namespace, unmounted', async () => {
    const { task, log, calls } = await createCt(7300, 3);
    expect(task.status, log).toBe('ok');
    const dir = root(7300);
    expect(calls).toEqual([
      [
        'lvcreate',
        '--yes',
        '--virtualsize',
        '3G',
        '--thin',
        'openve/data',
        '--name',
        'vm-7300-disk-0',
      ],
      ['mkfs.ext4', '-q', '-E', 'nodiscard,root_owner=100000:100000', '/dev/openve/vm-7300-disk-0'],
      ['mount', '-t', 'ext4', '-o', 'noatime', '--', '/dev/openve/vm-7300-disk-0', dir],
      [
        'lxc-create',
        '-P',
        path.join(t.dir, 'lxc'),
        '-n',
        'ct-7300',
        '-f',
        path.join(t.dir, 'tmp', 'ct-7300.conf'),
        '-t',
        'none',
        '-B',
        'dir',
        '--dir',
        dir,
      ],
      [
        'lxc-usernsexec',
        '-m',
        'b:0:100000:65536',
        '--',
        'tar',
        '-xpf',
        path.join(t.dir, 'templates', 'tiny.tar.gz'),
        '-C',
        dir,
        '--numeric-owner',
      ],
      ['umount', '--', dir],
    ]);
    expect(log).toMatch(/\$ mount -t ext4 -o noatime -- \/dev\/openve\/vm-7300-disk-0 /);
    const got = (await req('GET', '/cts/7300')).body.data as { config: { rootfs: unknown } };
    expect(got.config.rootfs).toEqual({ storage: 'local-lvm', size: 3 });
  });

  it('the LXC config points at the mount point, with the mount and unmount hooks', async () => {
    const conf = readFileSync(path.join(t.dir, 'tmp', 'ct-7300.conf'), 'utf8');
    const dir = root(7300);
    expect(conf).toContain(`lxc.rootfs.path = dir:${dir}\n`);
    expect(conf).toContain(
      `lxc.hook.pre-start = /bin/sh -c '[ -b "$1" ] || lvchange -ay -K "$0"; mountpoint -q "$2" || mount -t ext4 -o noatime -- "$1" "$2"' openve/vm-7300-disk-0 /dev/openve/vm-7300-disk-0 ${dir}\n`,
    );
    expect(conf).toContain(
      `lxc.hook.post-stop = /bin/sh -c 'if mountpoint -q "$0"; then umount -- "$0"; fi' ${dir}\n`,
    );
  });

  it('lists the volume as the container root file system with what it takes of the pool', async () => {
    t.runner.on({
      match: ['lvs'],
      respond: {
        stdout: lvs([
          { name: 'vm-7300-disk-0', size: 3 * 1024 ** 3, percent: '25.00' },
          { name: 'vm-7301-disk-0', size: 1024 ** 3, percent: '50.00' },
        ]),
      },
    });
    const r = await req('GET', '/storage/local-lvm/content');
    expect(r.status).toBe(200);
    const list = StorageContentListSchema.parse(r.body.data);
    expect(list.map((v) => [v.volid, v.content, v.size, v.used])).toEqual([
      ['local-lvm:rootdir/vm-7300-disk-0', 'rootdir', 3 * 1024 ** 3, 0.75 * 1024 ** 3],
      // no container 7301 here: a VM's disk
      ['local-lvm:images/vm-7301-disk-0', 'images', 1024 ** 3, 0.5 * 1024 ** 3],
    ]);
  });

  it('delete: unregisters the container, then removes the volume', async () => {
    const { task, log, calls } = await ctTask('DELETE', '/cts/7300?confirm=7300');
    expect(task.status, log).toBe('ok');
    expect(calls).toEqual([
      ['lxc-destroy', '-P', path.join(t.dir, 'lxc'), '-n', 'ct-7300'],
      ['lvremove', '--yes', 'openve/vm-7300-disk-0'],
    ]);
    expect((await req('GET', '/cts/7300')).status).toBe(404);
  });

  it('a failed create undoes what it made, in reverse: unmount, lxc-destroy, lvremove', async () => {
    const { task, calls } = await createCt(7302, 1, {
      command: 'lxc-usernsexec',
      stderr: 'tar: disk full',
    });
    expect(task.status).toBe('error');
    const dir = root(7302);
    expect(calls.map((a) => a.slice(0, 2).join(' '))).toEqual([
      'lvcreate --yes',
      'mkfs.ext4 -q',
      'mount -t',
      'lxc-create -P',
      'lxc-usernsexec -m',
      'umount --',
      'lxc-destroy -P',
      'lvremove --yes',
    ]);
    expect(calls.at(-1)).toEqual(['lvremove', '--yes', 'openve/vm-7302-disk-0']);
    expect(existsSync(dir)).toBe(false);
    // the id is free again
    expect((await req('GET', '/cts/7302')).status).toBe(404);
  });

  it('a volume that cannot be made leaves nothing: no mount, no container, the LV removed', async () => {
    const { task, calls } = await createCt(7303, 1, {
      command: 'mkfs.ext4',
      stderr: 'mkfs: no space',
    });
    expect(task.status).toBe('error');
    expect(calls.map((a) => a[0])).toEqual(['lvcreate', 'mkfs.ext4', 'lvremove']);
    expect(existsSync(path.dirname(root(7303)))).toBe(false);
  });

  it('a mount that will not go away keeps everything under it: no lxc-destroy, no lvremove', async () => {
    // the template unpack fails, then the unmount of the undo fails too
    t.runner.failOn((argv) => argv[0] === 'umount', { stderr: 'umount: target is busy' });
    const { task, log, calls } = await createCt(7305, 1, {
      command: 'lxc-usernsexec',
      stderr: 'tar: disk full',
    });
    expect(task.status).toBe('error');
    expect(calls.map((a) => a[0])).toEqual([
      'lvcreate',
      'mkfs.ext4',
      'mount',
      'lxc-create',
      'lxc-usernsexec',
      'umount',
    ]);
    expect(log).toContain(`could not unmount ${root(7305)}: umount: target is busy`);
    expect((await req('GET', '/cts/7305')).status).toBe(404);
  });
});

describe('container on a directory', () => {
  it('create and a failed create run the same steps as on a thin volume, without the mount', async () => {
    const ok = await createCt(7306, 1, undefined, 'local');
    expect(ok.task.status, ok.log).toBe('ok');
    const dir = path.join(t.dir, 'storage', 'rootfs', '7306');
    expect(ok.calls.map((a) => a[0])).toEqual(['mkdir', 'lxc-create', 'lxc-usernsexec']);
    expect(ok.calls[0]).toEqual(['mkdir', '-p', '--', dir]);
    const failed = await createCt(
      7307,
      1,
      { command: 'lxc-usernsexec', stderr: 'tar: disk full' },
      'local',
    );
    expect(failed.task.status).toBe('error');
    expect(failed.calls.map((a) => a.slice(0, 2).join(' '))).toEqual([
      'mkdir -p',
      'lxc-create -P',
      'lxc-usernsexec -m',
      'lxc-destroy -P',
      'rm -rf',
    ]);
    expect(failed.calls.at(-1)).toEqual([
      'rm',
      '-rf',
      '--one-file-system',
      '--',
      path.join(t.dir, 'storage', 'rootfs', '7307'),
    ]);
    expect((await req('GET', '/cts/7307')).status).toBe(404);
  });
});

describe('openve ct create --rootfs', () => {
  it('GiB@storage: a thin volume of that size', async () => {
    const from = t.runner.calls.length;
    const c = await runCli(
      t.m,
      'ct',
      'create',
      '--id',
      '7304',
      '--hostname',
      'clithin',
      '--template',
      'tiny.tar.gz',
      '--rootfs',
      '2@local-lvm',
      '--net',
      'none',
    );
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    expect(since(from)[0]).toEqual([
      'lvcreate',
      '--yes',
      '--virtualsize',
      '2G',
      '--thin',
      'openve/data',
      '--name',
      'vm-7304-disk-0',
    ]);
    const bad = await runCli(
      t.m,
      'ct',
      'create',
      '--hostname',
      'x',
      '--template',
      'tiny.tar.gz',
      '--rootfs',
      'big@nowhere',
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^rootfs\.size: /m);
  });
});

describe('mount point on a node', () => {
  it('is under /var/lib/lxc (the only mount target the lxc-start AppArmor profile allows a hook), not the manager lxc path', () => {
    const cfg = parseCtConfig(
      {
        id: 201,
        hostname: 'n',
        template: 'debian-13-standard.tar.zst',
        rootfs: { storage: 'local-lvm', size: 2 },
      },
      goldenNode,
    );
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.issues));
    const node = {
      ...goldenNode,
      lxcPath: '/var/lib/openve/manager/lxc',
      thinMountBase: '/var/lib/lxc',
    };
    const conf = lxcConfig({ ...cfg.value, id: 201 }, node);
    expect(conf).toContain('lxc.rootfs.path = dir:/var/lib/lxc/ct-201/rootfs\n');
    expect(conf).toMatch(
      /^lxc\.hook\.pre-start = .* \/dev\/openve\/vm-201-disk-0 \/var\/lib\/lxc\/ct-201\/rootfs$/m,
    );
    expect(ctRootfsMountDir(node, 201)).toBe('/var/lib/lxc/ct-201/rootfs');
    expect(ctRootfsMountDir({ lxcPath: '/x/lxc' }, 5)).toBe('/x/lxc/ct-5/rootfs');
  });
});

describe('mount points', () => {
  it('reads /proc/self/mounts lines', () => {
    const mounts =
      '/dev/sda1 / ext4 rw 0 0\n/dev/mapper/openve-vm--100--disk--0 /var/lib/x/ct-100/rootfs ext4 rw,noatime 0 0\n';
    expect(isMountPoint('/var/lib/x/ct-100/rootfs', mounts)).toBe(true);
    expect(isMountPoint('/var/lib/x/ct-100/rootfs/', mounts)).toBe(true);
    expect(isMountPoint('/var/lib/x/ct-101/rootfs', mounts)).toBe(false);
    expect(isMountPoint('/', mounts)).toBe(true);
  });
});
