// Property: for random (valid-shaped) answers on every hardware fixture, buildPlan never throws,
// is deterministic, fails only with path-qualified issues, and never leaks the root password.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { buildPlan } from '../../../installer/plan/buildPlan.ts';
import { concurrencyProblem } from '../../../installer/plan/overlap.ts';
import { KEYBOARD_IDS } from '../../../contracts/answers/locales.ts';
import type { Answers, UdevFilter } from '../../../contracts/answers/types.ts';
import { fixture, fixtureNames } from './helpers.ts';

const hardware = fixtureNames().map((n) => fixture(n));
/** mostly absent: a value is what the answer file leaves out more often than not */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: arb, weight: 1 });
const gib = rarely(fc.integer({ min: 0, max: 9000 }));
const udevFilter: fc.Arbitrary<UdevFilter> = fc.dictionary(
  fc.constantFrom(
    'ID_MODEL',
    'ID_SERIAL_SHORT',
    'ID_BUS',
    'ID_NET_DRIVER',
    'ID_NET_NAME_MAC',
    'ID_PATH',
  ),
  fc.constantFrom(
    '*',
    'Samsung*',
    'ST8000*',
    'ata',
    'usb',
    'nvme',
    'igb',
    'ixgbe',
    'e1000e',
    'virtio*',
    '*[0-9]*',
    'WD-*',
    '?',
  ),
  { maxKeys: 3 },
);

const answersFor = (diskNames: string[]): fc.Arbitrary<Answers> =>
  fc
    .record({
      global: fc.record({
        keyboard: fc.constantFrom(...KEYBOARD_IDS),
        country: fc.constant('us'),
        fqdn: fc.oneof(
          fc
            .constantFrom('pve.lab', 'node-1.example.com', 'a.b.c.d')
            .map((value) => ({ source: 'from-answer' as const, value })),
          fc
            .option(fc.constant('lab.example'), { nil: undefined })
            .map((domain) =>
              domain ? { source: 'from-dhcp' as const, domain } : { source: 'from-dhcp' as const },
            ),
        ),
        mailto: fc.constant('root@example.com'),
        timezone: fc.constantFrom('UTC', 'Europe/Vienna', 'America/New_York'),
        rootPassword: fc.constantFrom(
          { kind: 'plain' as const, value: 'passw0rd-fixture' },
          { kind: 'hashed' as const, hash: '$y$j9T$abc$def' },
        ),
        rootSshKeys: fc.constantFrom<string[]>(
          [],
          ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcmRNxwgXBSlTzkLEFpHS0qW5HRqXzGqdWMyRS/kvB7 a@b'],
        ),
        rebootOnError: fc.boolean(),
        rebootMode: fc.constantFrom('reboot' as const, 'power-off' as const),
      }),
      network: fc.record({
        source: fc.constantFrom('from-dhcp' as const, 'from-answer' as const),
        cidr: fc.constantFrom('10.0.0.5/24', '2001:db8::5/64'),
        gateway: fc.constant('10.0.0.1'),
        dns: fc.constant('10.0.0.1'),
        filter: fc.oneof(
          { arbitrary: fc.constant({}), weight: 3 },
          { arbitrary: udevFilter, weight: 1 },
        ),
        pinning: fc.record({
          enabled: fc.boolean(),
          mapping: fc.constantFrom<Record<string, string>>(
            {},
            { 'e4:54:e8:5a:12:34': 'mgmt0' },
            { 'aa:bb:cc:dd:ee:ff': 'nic7' },
          ),
        }),
        bond: rarely(
          fc.record({
            mode: fc.constantFrom(
              'active-backup' as const,
              '802.3ad' as const,
              'balance-xor' as const,
            ),
            filter: udevFilter,
          }),
        ),
        vlan: fc.option(fc.integer({ min: 1, max: 4094 }), { nil: undefined }),
      }),
      disk: fc.record({
        filesystem: fc.constantFrom('ext4' as const, 'xfs' as const, 'btrfs' as const),
        selection: fc.oneof(
          fc
            .oneof(
              { arbitrary: fc.constantFrom(...diskNames).map((d) => [d]), weight: 3 },
              {
                arbitrary: fc.uniqueArray(fc.constantFrom(...diskNames, 'sdz'), {
                  minLength: 1,
                  maxLength: 4,
                }),
                weight: 1,
              },
            )
            .map((disks) => ({ kind: 'list' as const, disks })),
          fc.record({
            kind: fc.constant('filter' as const),
            filter: udevFilter,
            match: fc.constantFrom('any' as const, 'all' as const),
          }),
        ),
        lvm: fc.record({
          hdsize: gib,
          swapsize: rarely(fc.integer({ min: 0, max: 64 })),
          maxroot: gib,
          maxvz: gib,
          minfree: gib,
        }),
        btrfs: fc.record({
          raid: fc.option(fc.constantFrom('raid0' as const, 'raid1' as const, 'raid10' as const), {
            nil: undefined,
          }),
          compress: fc.option(fc.constantFrom('on' as const, 'off' as const, 'zstd' as const), {
            nil: undefined,
          }),
          hdsize: gib,
        }),
      }),
      cluster: fc.option(
        fc.oneof(
          fc.constant({ mode: 'create' as const, name: 'lab', token: 'tok-fixture-123456' }),
          fc.constant({ mode: 'join' as const, master: '10.0.0.1', token: 'tok-fixture-123456' }),
        ),
        { nil: undefined },
      ),
    })
    .map((a) => {
      const out: Answers = { global: a.global, network: a.network, disk: a.disk };
      if (a.network.source === 'from-dhcp') {
        delete out.network.cidr;
        delete out.network.gateway;
        delete out.network.dns;
      } else if (a.network.cidr.includes(':')) {
        out.network = { ...out.network, gateway: '2001:db8::1', dns: '2001:db8::53' };
      }
      if (a.network.bond === undefined) delete out.network.bond;
      if (a.network.vlan === undefined) delete out.network.vlan;
      if (a.cluster) out.cluster = a.cluster;
      return out;
    });

describe('buildPlan properties', () => {
  test('never throws, deterministic, path-qualified failures, no secrets', () => {
    let planned = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc
          .constantFrom(...hardware)
          .chain((hw) => fc.tuple(answersFor(hw.disks.map((d) => d.name)), fc.constant(hw))),
        ([answers, hw]) => {
          const first = JSON.stringify(buildPlan(structuredClone(answers), structuredClone(hw)));
          const second = JSON.stringify(buildPlan(structuredClone(answers), structuredClone(hw)));
          expect(second).toBe(first);
          expect(first).not.toContain('passw0rd-fixture');
          expect(first).not.toContain('tok-fixture-123456');
          const r = JSON.parse(first) as ReturnType<typeof buildPlan>;
          if (r.ok) {
            planned++;
            const ids = r.value.steps.map((st) => st.id);
            expect(new Set(ids).size).toBe(ids.length);
            const at = (id: string) => ids.indexOf(id);
            // storage before the system, the system before its configuration, the boot loader
            // beside the extraction (plan/overlap.ts), the plan's invariant kept
            expect(at('mount:target')).toBeLessThan(at('extract:payload'));
            expect(at('extract:payload')).toBeLessThan(at('files:system'));
            expect(at('extract:payload')).toBeLessThan(at('bootloader:grub'));
            expect(r.value.steps[at('bootloader:grub')]!.concurrentWith).toBe('extract:payload');
            expect(concurrencyProblem(r.value.steps)).toBeNull();
            expect(ids.at(-1)).toBe('finalize');
            for (const d of r.value.summary.disks)
              expect(at(`wipe:${d.name}`)).toBeLessThan(at(`partition:${d.name}`));
          } else {
            refused++;
            for (const issue of r.issues) expect(issue.message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 400, seed: 20261125 },
    );
    // the generator must reach both real plans and refusals
    expect(planned).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});
