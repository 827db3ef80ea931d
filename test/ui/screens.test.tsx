// Every screen rendered with ink-testing-library: what it shows and how keys move the wizard.
// Tests wait on frames (poll lastFrame until the text appears), never on sleeps.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../installer/ui/app.tsx';
import type { WizardState } from '../../installer/ui/wizard/state.ts';
import {
  fakeServices,
  hardware,
  KEY,
  LEASE,
  PASSWORD,
  SSH_KEY,
  startState,
  waitFor,
  waitGone,
  walkTo,
  type FakeServices,
} from './helpers.ts';

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

function show(initial: WizardState, services: FakeServices = fakeServices()) {
  const exits: WizardState[] = [];
  const r = render(<App initial={initial} services={services} onExit={(s) => exits.push(s)} />);
  cleanup = r.unmount;
  const frame = () => r.lastFrame() ?? '';
  const press = (...keys: string[]) => keys.forEach((k) => r.stdin.write(k));
  const see = (text: string | RegExp) => waitFor(frame, text);
  return { ...r, frame, press, see, exits, services };
}

const stripAnsi = (s: string) =>
  s.replace(new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g'), '');

/** Every line fits 80 columns and the screen fits 24 rows (23 + the cursor line). */
function expectFits80x24(frame: string) {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(23);
  for (const l of lines) expect(stripAnsi(l).length).toBeLessThanOrEqual(80);
  expect(frame).not.toMatch(/[\u2500-\u257f\u2026]/); // no box-drawing characters, no Unicode ellipsis
}

describe('welcome', () => {
  it('shows the license; Enter accepts and moves to the hardware summary', async () => {
    const ui = show(startState());
    const f = await ui.see('Welcome to openve');
    expect(f).toContain('AGPL-3.0-or-later');
    expect(f).toContain('Step 1/10');
    expect(f).toContain('[DRY RUN]');
    expectFits80x24(f);
    ui.press(KEY.esc); // nothing before the welcome screen
    ui.press(KEY.enter);
    await ui.see('Virtualization');
  });
});

describe('hardware', () => {
  it('shows CPU, virtualization, memory, disks with model/serial, NICs with link', async () => {
    const ui = show(walkTo('hardware'));
    const f = await ui.see('Intel VT-x, /dev/kvm present');
    expect(f).toContain('i5-8500');
    expect(f).toContain('15.6 GiB');
    expect(f).toMatch(/sda +465\.8 GiB SATA +Samsung SSD 870 EVO 500GB +S6PWNJ0T412345A/);
    expect(f).toMatch(/sr0 +not a target: boot medium/);
    expect(f).toMatch(/eno1 +e4:54:e8:5a:12:34 +link up 1000 Mb\/s/);
    expectFits80x24(f);
    ui.press(KEY.esc);
    await ui.see('Welcome to openve');
  });

  it('warns clearly when VT-x/AMD-V is missing and when no NIC has link', async () => {
    const ui = show(walkTo('hardware', startState(hardware('no-vtx'))));
    const f = await ui.see('MISSING');
    expect(f).toContain('! No VT-x/AMD-V');
    cleanup?.();
    const nl = show(walkTo('hardware', startState(hardware('no-link'))));
    expect(await nl.see('no link')).toContain('! No network interface has a link');
  });

  it('lists install targets before loops, the boot medium and optical drives (live ISO in QEMU)', async () => {
    const hw = hardware('qemu-virtio');
    const loop = hw.disks.find((d) => d.kind === 'loop')!;
    const rom = hw.disks.find((d) => d.kind === 'rom')!;
    // what the live system showed: fd0, loop0, loop1, sr0, sr1, then vda
    hw.disks = [
      ...hw.disks.filter((d) => d.kind !== 'disk'),
      { ...loop, name: 'loop1', path: '/dev/loop1' },
      { ...rom, name: 'sr1', path: '/dev/sr1', isBootMedium: false },
      ...hw.disks.filter((d) => d.kind === 'disk'),
    ];
    const ui = show(walkTo('hardware', startState(hw)));
    const f = await ui.see('Virtualization');
    expect(f).toMatch(/vda +32 GiB/);
    expectFits80x24(f);
  });

  it('ten disks: lists the first five and says how many more', async () => {
    const ui = show(walkTo('hardware', startState(hardware('ten-disks'))));
    const f = await ui.see('more (all listed on the disk screen)');
    expectFits80x24(f);
  });
});

describe('disk', () => {
  it('shows the selected disk and the live LVM layout; Advanced changes it; Enter moves on', async () => {
    const ui = show(walkTo('disk'));
    const f = await ui.see('Layout: LVM-thin (ext4) on /dev/sda');
    expect(f).toMatch(/\(\*\) sda/);
    expect(f).toMatch(/swap 8\.0 GiB, root 96\.0 GiB, data/);
    expectFits80x24(f);
    ui.press('a');
    await ui.see('Advanced options (ext4) on sda');
    ui.press('100', KEY.tab, '2');
    await ui.see('swap 2.0 GiB, root 24.7 GiB');
    ui.press(KEY.enter); // applies and closes the panel
    await ui.see('a Advanced');
    ui.press(KEY.enter);
    await ui.see('Location and keyboard');
  });

  it('btrfs on four disks: Space adds members, raid level in Advanced, layout follows', async () => {
    const ui = show(walkTo('disk', startState(hardware('four-identical'))));
    await ui.see('ext4 (LVM-thin)');
    ui.press(KEY.left); // ext4 -> btrfs (wraps)
    await ui.see('btrfs raid0 on /dev/sda');
    ui.press(KEY.down, KEY.down, KEY.space);
    await ui.see('btrfs raid1 on /dev/sda, /dev/sdb');
    ui.press('a', KEY.right);
    await ui.see('needs at least 4 disks');
    ui.press(KEY.esc);
    await ui.see('btrfs raid1 on');
    ui.press(KEY.down, KEY.space, KEY.down, KEY.space, 'a', KEY.right);
    await ui.see('btrfs raid10 on /dev/sda, /dev/sdb, /dev/sdc, /dev/sdd');
  });

  it('refuses to continue without a disk and says so', async () => {
    const ui = show(walkTo('disk', startState(hardware('four-identical'))));
    await ui.see('ext4 (LVM-thin)');
    ui.press(KEY.left, KEY.down, KEY.space); // btrfs, deselect sda
    await ui.see('select a target disk (Space)');
    ui.press(KEY.enter);
    const f = await ui.see('! select a target disk (Space)');
    expect(f).toContain('Target disk');
  });

  it('Esc goes back to the hardware summary', async () => {
    const ui = show(walkTo('disk'));
    await ui.see('Target disk');
    ui.press(KEY.esc);
    await ui.see('Virtualization');
  });
});

describe('location', () => {
  it('shows the guessed defaults; typing searches the focused list; Enter picks, Enter moves on', async () => {
    const ui = show(walkTo('locale'));
    let f = await ui.see('Austria (at)');
    expect(f).toContain('Europe/Vienna');
    expect(f).toContain('German (de)');
    ui.press(KEY.tab, 'new_y');
    f = await ui.see('> America/New_York');
    expectFits80x24(f);
    ui.press(KEY.enter);
    await ui.see(/Time zone +> America\/New_York/);
    ui.press(KEY.enter);
    await ui.see('Root password');
  });
});

describe('password', () => {
  it('masks the password, hints its strength, checks the confirmation and the e-mail inline', async () => {
    const ui = show(walkTo('password'));
    await ui.see('Root password');
    ui.press(KEY.enter);
    await ui.see('! must be at least 8 characters long (has 0)');
    ui.press(PASSWORD);
    let f = await ui.see('****************');
    expect(f).not.toContain(PASSWORD);
    expect(f).toContain('strong');
    expect(f).not.toContain('! must be at least 8'); // fixed: the message goes at once
    ui.press(KEY.tab, 'different');
    await ui.see('passwords differ');
    ui.press(KEY.enter);
    await ui.see('! the passwords do not match');
    ui.press(KEY.ctrlU, PASSWORD, KEY.tab, KEY.ctrlU, 'bad-mail');
    await ui.see("! 'bad-mail' does not look like an e-mail address");
    ui.press(KEY.ctrlU, 'admin@example.com', KEY.enter);
    f = await ui.see('SSH keys');
    expect(f).not.toContain(PASSWORD);
  });
});

describe('ssh keys', () => {
  it('adds a pasted key, rejects a bad one inline, removes with d, Enter on empty continues', async () => {
    const ui = show(walkTo('ssh'));
    await ui.see('Authorized keys (0)');
    ui.press(SSH_KEY);
    await ui.see('alice@laptop');
    ui.press(KEY.enter);
    await ui.see('Authorized keys (1)');
    ui.press('ssh-rsa AAAA', KEY.enter);
    await ui.see('! not a valid ssh-rsa public key');
    ui.press(KEY.ctrlU, KEY.down, 'd');
    await ui.see('Authorized keys (0)');
    ui.press(SSH_KEY, KEY.enter);
    await ui.see('Authorized keys (1)');
    ui.press(KEY.enter);
    await ui.see('The management network');
  });
});

describe('network', () => {
  it('prefilled from the DHCP lease; a gateway outside the subnet is refused with the answer-file message', async () => {
    const ui = show(walkTo('network', startState(hardware(), LEASE)));
    const f = await ui.see('Prefilled from the DHCP lease on eno1 (192.168.1.10/24)');
    expect(f).toContain('pve1.example.com');
    expect(f).toMatch(/Gateway +192\.168\.1\.1/);
    expectFits80x24(f);
    ui.press(KEY.down, KEY.down, KEY.down, KEY.down, KEY.ctrlU, '10.9.9.1', KEY.enter);
    await ui.see("! '10.9.9.1' is not inside the subnet 192.168.1.0/24 of");
    ui.press(KEY.ctrlU, '192.168.1.254', KEY.enter);
    await ui.see('Nodes in a cluster');
  });

  it('without a lease: DHCP by default; switching to static asks for the address', async () => {
    const ui = show(walkTo('network'));
    await ui.see('No DHCP lease found');
    ui.press(KEY.down, KEY.right);
    await ui.see('IP address/CIDR');
    ui.press(KEY.enter);
    await ui.see("! '' has no prefix length");
  });
});

describe('cluster', () => {
  it('none by default; create asks for a name; join asks for master, token (masked), fingerprint', async () => {
    const ui = show(walkTo('cluster'));
    await ui.see('none (stand-alone node)');
    ui.press(KEY.right);
    await ui.see('Cluster name');
    ui.press(KEY.right);
    await ui.see('Join token');
    ui.press(KEY.tab, '10.0.0.1', KEY.tab, 'secret-token-0123456789');
    const f = await ui.see('***********************');
    expect(f).not.toContain('secret-token');
    ui.press(KEY.enter);
    await ui.see('join 10.0.0.1');
  });
});

describe('summary', () => {
  it('names the disk to erase, the layout, every setting and step; Save answers writes via the service', async () => {
    const services = fakeServices();
    const ui = show(walkTo('summary'), services);
    const f = await ui.see('Disks to ERASE');
    expect(f).toMatch(
      /\/dev\/sda {2}465\.8 GiB {2}Samsung SSD 870 EVO 500GB {2}serial S6PWNJ0T412345A/,
    );
    expect(f).toContain('LVM-thin (ext4) on /dev/sda');
    expect(f).toContain('Austria (at), Europe/Vienna, keyboard German (de)');
    expect(f).not.toContain(PASSWORD);
    expectFits80x24(f);
    ui.press(KEY.pgdn);
    await ui.see('Finishing');
    ui.press('s');
    await ui.see('/tmp/answer.toml');
    ui.press(KEY.enter);
    await ui.see('saved to /tmp/answer.toml (password hashed)');
    expect(services.saved.map((x) => x.path)).toEqual(['/tmp/answer.toml']);
    ui.press(KEY.esc);
    await waitGone(ui.frame, 'saved to');
    ui.press(KEY.enter);
    await ui.see('type the host name');
  });

  it('says which NIC is pinned by MAC (issue 10)', async () => {
    const ui = show(walkTo('summary'));
    const f = await ui.see('pinned to MAC');
    expect(f).toContain('NIC eno1 pinned to MAC e4:54:e8:5a:12:34 (keeps its name if its PCI');
  });

  it('u saves the answers to the OPENVE-AIS stick through the service; a missing stick is said plainly', async () => {
    const services = fakeServices();
    const ui = show(walkTo('summary'), services);
    await ui.see('Disks to ERASE');
    ui.press('u');
    const f = await ui.see('saved answer.toml to OPENVE-AIS (/dev/sdb1, password hashed)');
    expectFits80x24(f);
    expect(services.stick).toHaveLength(1);
    expect(JSON.stringify(services.stick)).toContain('"kind":"plain"'); // the service hashes it
    ui.press(KEY.down);
    await waitGone(ui.frame, 'saved answer.toml');

    const none = fakeServices({ noStick: true });
    const ui2 = show(walkTo('summary'), none);
    await ui2.see('Disks to ERASE');
    ui2.press('u');
    await ui2.see('no partition labelled OPENVE-AIS found');
    expect(none.stick).toHaveLength(0);
    expect(none.installs).toBe(0);
  });

  it('shows why the plan cannot be built and does not go on', async () => {
    const s = walkTo('cluster');
    const broken = { ...s, values: { ...s.values, disk: { ...s.values.disk, hdsize: '4' } } };
    const ui = show(broken);
    await ui.see('Nodes in a cluster');
    ui.press(KEY.enter);
    await ui.see('The plan cannot be built');
    ui.press(KEY.enter);
    expect(await ui.see('(fix first)')).toContain('Summary');
  });
});

describe('confirm, progress, done', () => {
  it('names the disks; a wrong name is refused; the host name starts the install, which ends on success', async () => {
    const services = fakeServices();
    const ui = show(walkTo('confirm'), services);
    const f = await ui.see('type the host name');
    expect(f).toMatch(
      /\/dev\/sda {2}465\.8 GiB {2}Samsung SSD 870 EVO 500GB {2}serial S6PWNJ0T412345A/,
    );
    expect(f).toContain(' openve ');
    ui.press('yes', KEY.enter);
    await ui.see("! type the host name 'openve' exactly");
    expect(services.installs).toBe(0);
    ui.press(KEY.ctrlU, 'openve', KEY.enter);
    const done = await ui.see('Installation simulated in 42 s.');
    expect(services.installs).toBe(1);
    expect(done).toContain('Next steps');
    expect(done).toContain('ssh root@openve.localdomain');
    ui.press(KEY.enter);
    await waitFor(() => String(ui.exits.length), '1');
    expect(ui.exits[0]?.exit).toEqual({ code: 0 });
  });

  it('Esc on the confirmation goes back to the summary; nothing was installed', async () => {
    const services = fakeServices();
    const ui = show(walkTo('confirm'), services);
    await ui.see('type the host name');
    ui.press(KEY.esc);
    await ui.see('Disks to ERASE');
    expect(services.installs).toBe(0);
  });

  it('progress shows the bar, the current step, elapsed time and the last log lines', async () => {
    const s = walkTo('progress');
    const mid = {
      ...s,
      progress: {
        ...s.progress,
        ratio: 0.42,
        step: 'extract:payload',
        text: 'Copying the system',
        log: ['Wiping /dev/sda', 'Partitioning /dev/sda', 'Copying the system'],
      },
    };
    const services = fakeServices();
    services.install = () => new Promise(() => {}); // stays running
    const ui = show(mid, services);
    const f = await ui.see('42%');
    expect(f).toMatch(/\[#{28}\.{38}\] +42%/);
    expect(f).toMatch(/Step +6\/10 +Copying the system/); // steps run beside another (extraction, GRUB) are not counted
    expect(f).toMatch(/Elapsed +\d\d:\d\d/);
    expect(f).toContain('Partitioning /dev/sda');
    expectFits80x24(f);
  });

  it('a failure shows the failing step, its output and the log path; Enter exits 1', async () => {
    const services = fakeServices({ fail: 'partition:sda' });
    const ui = show(walkTo('confirm'), services);
    await ui.see('type the host name');
    ui.press('openve', KEY.enter);
    const f = await ui.see('The installation failed.');
    expect(f).toContain('Failing step: partition:sda (Partitioning /dev/sda)');
    expect(f).toContain('Problem opening /dev/sda');
    expect(f).toContain('Full log: /tmp/openve-test.log');
    expectFits80x24(f);
    ui.press(KEY.enter);
    await waitFor(() => String(ui.exits.length), '1');
    expect(ui.exits[0]?.exit).toEqual({ code: 1 });
  });
});

describe('Ctrl-C', () => {
  it('asks before leaving, keeps the screen state when cancelled, exits 130 on y', async () => {
    const ui = show(walkTo('password'));
    await ui.see('Root password');
    ui.press('abc');
    await ui.see('***');
    ui.press(KEY.ctrlC);
    const f = await ui.see('Quit the installer?');
    expect(f).toContain('Nothing has been written to any disk yet.');
    ui.press('n');
    await ui.see('Root password');
    expect(ui.frame()).toContain('***'); // typed text kept
    ui.press(KEY.ctrlC);
    await ui.see('Quit the installer?');
    ui.press('y');
    await waitFor(() => String(ui.exits.length), '1');
    expect(ui.exits[0]?.exit).toEqual({ code: 130 });
  });

  it('during the install it warns that the disk would be left half-written', async () => {
    const services = fakeServices();
    services.install = () => new Promise(() => {});
    const ui = show(walkTo('progress'), services);
    await ui.see('Installing openve');
    ui.press(KEY.ctrlC);
    expect(await ui.see('Quit the installer?')).toContain('half-written');
    ui.press(KEY.esc);
    await ui.see('Installing openve');
  });
});
