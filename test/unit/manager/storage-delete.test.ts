// DELETE of ISO images and templates (API and `openve storage delete`): 404 naming the volume,
// 409 naming the VM an ISO is attached to; and a directory root file system listed with its
// configured size and what its files take (one `du` for all of them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRunner } from '../../../lib/exec/index.ts';
import { StorageContentListSchema } from '../../../contracts/manager/storage.ts';
import { parseDu } from '../../../manager/server/storage/storage.ts';
import { testManager, type TestManager } from './helpers.ts';
import { nodeRequest, runCli, taskStatus } from '../../helpers/manager.ts';

let t: TestManager;
const req = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  nodeRequest<unknown>(t.m, method, url, payload);
const done = async (task: string) => (await taskStatus(t.m, task)).status;
const cli = (...args: string[]) => runCli(t.m, ...args);

beforeAll(async () => {
  t = await testManager();
  const real = createRunner('real');
  t.runner.on({ match: ['du'], respond: async (argv) => real.run(argv) });
  // libvirt reports the VM stopped once it is defined
  t.runner.on({
    match: (argv) => argv[0] === 'virsh' && argv.includes('list'),
    respond: { exitCode: 0, stdout: ' -    vm-7110   shut off\n', stderr: '' },
  });
  writeFileSync(
    path.join(t.dir, 'storages.json'),
    JSON.stringify([{ id: 'local', type: 'dir', path: path.join(t.dir, 'storage') }]),
  );
  for (const f of ['inuse.iso', 'free.iso']) writeFileSync(path.join(t.dir, 'iso', f), 'x');
  writeFileSync(path.join(t.dir, 'templates', 'old.tar.gz'), 'x');
  await new Promise((r) => setTimeout(r, 1100)); // node facts are read at most once a second
}, 60_000);
afterAll(async () => t?.close());

describe('DELETE .../storage/{storage}/content/{name}', () => {
  it('refuses an ISO attached to a VM, naming the VM, until it is detached', async () => {
    const vm = await req('POST', '/vms', {
      id: 7110,
      name: 'cd',
      memory: 64,
      nics: [],
      iso: 'inuse.iso',
    });
    expect(vm.status, JSON.stringify(vm.body)).toBe(202);
    expect(await done((vm.body.data as { task: string }).task)).toBe('ok');
    const r = await req('DELETE', '/storage/local/content/inuse.iso?content=iso');
    expect(r.status).toBe(409);
    expect(r.body.errors?.[0]).toMatchObject({
      path: 'name',
      message: expect.stringMatching(/inuse\.iso is attached to VM 7110 \(cd\)/),
    });
    expect(existsSync(path.join(t.dir, 'iso', 'inuse.iso'))).toBe(true);
    const detach = await req('PUT', '/vms/7110/config', { iso: null });
    expect(detach.status, JSON.stringify(detach.body)).toBe(202);
    expect(await done((detach.body.data as { task: string }).task)).toBe('ok');
    expect((await req('DELETE', '/storage/local/content/inuse.iso?content=iso')).status).toBe(200);
  });

  it('deletes a free ISO and a template (200, data null), then 404 naming the volume', async () => {
    const r = await req('DELETE', '/storage/local/content/free.iso?content=iso');
    expect(r).toEqual({ status: 200, body: { data: null } });
    expect(existsSync(path.join(t.dir, 'iso', 'free.iso'))).toBe(false);
    const again = await req('DELETE', '/storage/local/content/free.iso?content=iso');
    expect(again.status).toBe(404);
    expect(again.body.errors?.[0]).toEqual({
      path: 'name',
      message: "no iso 'free.iso' on storage 'local'",
    });
    const tpl = await req('DELETE', '/storage/local/content/old.tar.gz?content=vztmpl');
    expect(tpl.status).toBe(200);
    expect(existsSync(path.join(t.dir, 'templates', 'old.tar.gz'))).toBe(false);
    const noKind = await req('DELETE', '/storage/local/content/x.iso');
    expect(noKind.status).toBe(400);
    expect(noKind.body.errors?.[0]?.path).toBe('content');
  });

  it('openve storage delete', async () => {
    writeFileSync(path.join(t.dir, 'iso', 'cli.iso'), 'x');
    const ok = await cli('storage', 'delete', 'local', 'cli.iso', '--content', 'iso');
    expect(ok).toMatchObject({ code: 0, out: 'deleted local:iso/cli.iso\n' });
    const missing = await cli('storage', 'delete', 'local', 'cli.iso', '--content', 'iso');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^name: no iso 'cli\.iso' on storage 'local'/m);
  });
});

describe('directory root file systems in the content list', () => {
  it('parses du', () => {
    expect(parseDu('4096\t/a b\n123\t/c\n')).toEqual([
      ['/a b', 4096],
      ['/c', 123],
    ]);
  });

  it('have the configured size and what their files take', async () => {
    // lxc-create is only recorded here: the config it would write
    mkdirSync(path.join(t.dir, 'lxc', 'ct-7111'), { recursive: true });
    writeFileSync(path.join(t.dir, 'lxc', 'ct-7111', 'config'), '');
    const ct = await req('POST', '/cts', {
      id: 7111,
      hostname: 'dirct',
      template: 'busybox',
      rootfs: { storage: 'local', size: 2 },
    });
    expect(ct.status, JSON.stringify(ct.body)).toBe(202);
    const root = path.join(t.dir, 'storage', 'rootfs', '7111');
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, 'data'), Buffer.alloc(100_000, 1));
    const task = (ct.body.data as { task: string }).task;
    expect(await done(task), t.m.services.tasks.log(task).join('\n')).toBe('ok');
    const r = await req('GET', '/storage/local/content?content=rootdir');
    const list = StorageContentListSchema.parse(r.body.data);
    const v = list.find((x) => x.name === 'ct-7111-rootfs');
    expect(v).toMatchObject({ size: 2 * 1024 ** 3, format: 'subvol' });
    expect(v?.used).toBeGreaterThanOrEqual(100_000);
    expect(v?.used).toBeLessThan(1024 ** 2);
  });
});
