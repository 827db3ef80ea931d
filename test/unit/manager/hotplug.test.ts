// CPU/memory hot-plug of a running VM: what may change live (pure rule), and the API's answers
// (409 naming the field beyond the maximum; a live change runs setvcpus/setmem and redefines).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmConfig } from '../../../contracts/manager/guest.ts';
import { liveChangeIssues } from '../../../manager/server/guests/vms.ts';
import { testManager, type TestManager } from './helpers.ts';
import { nodeRequest, taskStatus } from '../../helpers/manager.ts';
import { main } from '../../../manager/cli/main.ts';

const base: VmConfig = {
  id: 7100,
  name: 'hp',
  vcpus: 1,
  maxVcpus: 4,
  memory: 256,
  maxMemory: 1024,
  disks: [],
  nics: [],
  firmware: 'bios',
  onboot: false,
};

describe('liveChangeIssues', () => {
  it('takes vcpus and memory within the maximum, name and onboot', () => {
    expect(liveChangeIssues(base, { vcpus: 4, memory: 1024, name: 'x', onboot: true })).toEqual([]);
    expect(liveChangeIssues(base, { vcpus: 1, memory: 128, firmware: 'bios' })).toEqual([]);
  });
  it('names the field beyond the maximum and every field that needs a restart', () => {
    const issues = liveChangeIssues(base, {
      vcpus: 5,
      memory: 2048,
      firmware: 'uefi',
      maxVcpus: 8,
    });
    expect(issues.map((i) => i.path).sort()).toEqual(['firmware', 'maxVcpus', 'memory', 'vcpus']);
    expect(issues.find((i) => i.path === 'vcpus')?.message).toMatch(/at most 4 vCPUs .*restart/);
    expect(issues.find((i) => i.path === 'memory')?.message).toMatch(/at most 1024 MiB/);
  });
  it('without maxVcpus/maxMemory the maximum is what the VM has', () => {
    const { maxVcpus: _v, maxMemory: _m, ...plain } = base;
    expect(liveChangeIssues(plain, { vcpus: 2 }).map((i) => i.path)).toEqual(['vcpus']);
    expect(liveChangeIssues(plain, { memory: 128 })).toEqual([]);
  });
});

describe('PUT .../vms/{id}/config on a running VM', () => {
  let t: TestManager;
  const req = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    nodeRequest(t.m, method, url, payload);
  const done = (task: string) => taskStatus(t.m, task);
  beforeAll(async () => {
    t = await testManager();
    // libvirt reports the domain running once it is defined
    t.runner.on({
      match: (argv) => argv[0] === 'virsh' && argv.includes('list'),
      respond: { exitCode: 0, stdout: ' 1    vm-7100   running\n', stderr: '' },
    });
    const r = await req('POST', '/vms', {
      id: 7100,
      name: 'hp',
      vcpus: 1,
      maxVcpus: 2,
      memory: 128,
      maxMemory: 256,
      nics: [],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect((await done(r.body.data!.task)).status).toBe('ok');
  }, 60_000);
  afterAll(async () => t?.close());

  it('applies vcpus and memory live, then redefines the domain for the next boot', async () => {
    const before = t.runner.calls.length;
    const r = await req('PUT', '/vms/7100/config', { vcpus: 2, memory: 200 });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect((await done(r.body.data!.task)).status).toBe('ok');
    const argvs = t.runner.calls.slice(before).map((c) => c.argv.slice(4).join(' '));
    expect(argvs).toContain('setvcpus vm-7100 2 --live');
    expect(argvs).toContain('setmem vm-7100 200M --live');
    expect(argvs.some((a) => a.startsWith('define '))).toBe(true);
    const g = await req('GET', '/vms/7100');
    expect(g.body.data).toMatchObject({ config: { vcpus: 2, memory: 200, maxVcpus: 2 } });
  });

  it('openve vm config on the running VM: live within the maximum, field: message beyond', async () => {
    let out = '';
    let err = '';
    const cli = (...args: string[]) =>
      main(['--host', t.m.url, '--token', t.m.rootToken, '--ca', t.m.certFile, ...args], {
        out: (s) => (out += s),
        err: (s) => (err += s),
      });
    expect(await cli('vm', 'config', '7100', '--vcpus', '1'), err).toBe(0);
    expect(out).toMatch(/OK \(UPID:/);
    expect(await cli('vm', 'config', '7100', '--max-vcpus', '4')).toBe(1);
    expect(err).toMatch(/^maxVcpus: VM 7100 is running: shut it down to change maxVcpus/m);
  });

  it('answers 409 naming the field beyond the maximum, and changes nothing', async () => {
    const before = t.runner.calls.length;
    const r = await req('PUT', '/vms/7100/config', { vcpus: 3, memory: 512, firmware: 'uefi' });
    expect(r.status).toBe(409);
    const paths = (r.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['firmware', 'memory', 'vcpus']);
    expect(t.runner.calls.length).toBe(before);
  });
});
