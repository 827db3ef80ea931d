// The web interface's pure parts: routes from the URL hash, the wizards' request bodies checked
// with the contracts' parse functions (the API's own rules), console close reasons, the filter.
import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute, type Route } from '../../../manager/web/route.ts';
import { closeReason, fitTo } from '../../../manager/web/Console.tsx';
import { latest } from '../../../manager/web/Graph.tsx';
import { clusterTargets } from '../../../manager/web/MigrateDialog.tsx';
import { matches } from '../../../manager/web/Tree.tsx';
import { ctBody, passwordIssue } from '../../../manager/web/CtWizard.tsx';
import { vmBody } from '../../../manager/web/VmWizard.tsx';
import { factsOf, nextId, num } from '../../../manager/web/wizard.tsx';
import { parseCtConfig, parseVmConfig } from '../../../contracts/manager/guest.ts';
import { byPath } from '../../../manager/web/api.ts';

const options = {
  accel: 'qemu' as const,
  storages: [{ id: 'local', type: 'dir' as const }],
  bridges: ['vmbr0'],
  isos: ['debian.iso'],
  templates: ['busybox'],
};
const facts = factsOf('pve1', options);

describe('routes', () => {
  it('round-trips every page through the hash', () => {
    const routes: Route[] = [
      { page: 'cluster' },
      { page: 'node', node: 'pve1' },
      { page: 'node', node: 'pve1', tab: 'storage' },
      { page: 'create', node: 'pve1', kind: 'vm' },
      { page: 'guest', node: 'pve1', kind: 'ct', id: 101, tab: 'console' },
      { page: 'console', node: 'pve1', kind: 'vm', id: 100, console: 'serial' },
    ];
    for (const r of routes) expect(parseRoute(hrefOf(r))).toEqual(r);
  });
  it('falls back to the cluster page on anything else', () => {
    for (const h of [
      '',
      '#/nope',
      '#/node/a b',
      '#/console/n/vm/x/serial',
      '#/console/n/vm/100/rdp',
    ])
      expect(parseRoute(h)).toEqual({ page: 'cluster' });
  });
});

describe('wizard bodies, checked with the API rules', () => {
  const vmForm = {
    id: '700',
    name: 'web700',
    iso: 'debian.iso',
    kernel: '',
    initrd: '',
    cmdline: '',
    firmware: 'bios' as const,
    vcpus: '2',
    memory: '1024',
    disk: true,
    diskSize: '8',
    diskStorage: 'local',
    bridge: 'vmbr0',
    model: 'virtio' as const,
    start: false,
  };
  it('the VM defaults are accepted', () => {
    const r = parseVmConfig(vmBody(vmForm), facts);
    expect(r.ok).toBe(true);
  });
  it('bad VM fields are named', () => {
    const r = parseVmConfig(
      vmBody({ ...vmForm, name: 'Bad_Name', memory: 'lots', bridge: 'br9', diskSize: '0' }),
      facts,
    );
    expect(r.ok).toBe(false);
    const issues = byPath(r.ok ? [] : r.issues);
    expect(Object.keys(issues).sort()).toEqual(['disks[0].size', 'memory', 'name']);
    expect(issues.memory).toBe('must be a number of MiB');
    // node checks run once the schema passes
    const r2 = parseVmConfig(vmBody({ ...vmForm, bridge: 'br9' }), facts);
    expect(r2.ok ? [] : r2.issues.map((i) => i.path)).toEqual(['nics[0].bridge']);
  });
  it('the container body with a static address and a key is accepted; a bad key is named', () => {
    const form = {
      id: '701',
      hostname: 'web701',
      template: 'busybox',
      password: '',
      sshKeys:
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host\n',
      unprivileged: true,
      cores: '',
      memory: '512',
      swap: '0',
      rootStorage: 'local',
      rootSize: '8',
      bridge: 'vmbr0',
      ip: '192.0.2.10/24',
      gateway: '192.0.2.1',
      start: true,
    };
    expect(parseCtConfig(ctBody(form), facts).ok).toBe(true);
    const bad = parseCtConfig(ctBody({ ...form, sshKeys: 'not a key', ip: '10.0.0.1' }), facts);
    expect(bad.ok ? [] : bad.issues.map((i) => i.path).sort()).toEqual([
      'nics[0].ip',
      'sshKeys[0]',
    ]);
  });
  it('passwords: empty is allowed (key only), short is named', () => {
    expect(passwordIssue('')).toBeUndefined();
    expect(passwordIssue('abc')).toBe('must be at least 5 characters');
    expect(passwordIssue('long enough')).toBeUndefined();
  });
  it('numbers: empty is absent, text stays text for the schema to name', () => {
    expect(num('')).toBeUndefined();
    expect(num(' 12 ')).toBe(12);
    expect(num('12x')).toBe('12x');
    expect(nextId([100, 101, 103])).toBe(102);
  });
});

describe('console close reasons and the tree filter', () => {
  it('words the manager close codes (4000 + HTTP status)', () => {
    expect(closeReason(4409, 'state: VM 700 is shut off: start it first')).toBe(
      'state: VM 700 is shut off: start it first (409)',
    );
    expect(closeReason(4404, '')).toBe('this node has no such console');
    expect(closeReason(1006, '')).toBe('connection lost (1006)');
  });
  it('filters guests by id, name, state or kind', () => {
    const g = {
      id: 700,
      kind: 'vm' as const,
      name: 'web',
      state: 'running',
      vcpus: 1,
      memory: 128,
      accel: 'qemu' as const,
      disks: 0,
    };
    expect(matches(g, '70')).toBe(true);
    expect(matches(g, 'WEB')).toBe(true);
    expect(matches(g, 'run')).toBe(true);
    expect(matches(g, 'vm')).toBe(true);
    expect(matches(g, 'ct')).toBe(false);
  });
});

describe('terminal fit, graph values in words, migration targets', () => {
  it('fits the terminal to its box (at least 20 x 5)', () => {
    const box = (w: number, h: number) => ({ clientWidth: w, clientHeight: h }) as HTMLElement;
    // a 390 px phone: the box is 358 px wide, a cell 8.4 x 17 px
    expect(fitTo(box(358, 500), 8.4, 17)).toEqual({ cols: 42, rows: 29 });
    expect(fitTo(box(100, 40), 8.4, 17)).toEqual({ cols: 20, rows: 5 });
  });

  it('says the latest value of every series', () => {
    expect(
      latest(
        [
          { label: 'used', color: '', values: [1, 2 * 1024 ** 3] },
          { label: 'total', color: '', values: [] },
        ],
        (v) => `${v / 1024 ** 3} GiB`,
      ),
    ).toBe('used 2 GiB, total -');
  });

  it('lists the other nodes as targets, offline ones not allowed with the reason', () => {
    const nodes = [
      { node: 'pve1', status: 'online' },
      { node: 'pve2', status: 'online' },
      { node: 'pve3', status: 'offline' },
    ];
    expect(clusterTargets(nodes, 'pve1')).toEqual([
      { node: 'pve2', online: true, allowed: true },
      { node: 'pve3', online: false, allowed: false, reason: 'node is offline' },
    ]);
    expect(clusterTargets(nodes.slice(0, 1), 'pve1')).toEqual([]);
    expect(clusterTargets(nodes.slice(0, 2), 'pve1', 'no migrate API')[0]).toEqual({
      node: 'pve2',
      online: true,
      allowed: false,
      reason: 'no migrate API',
    });
  });
});
