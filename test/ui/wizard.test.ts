// The wizard reducer without rendering: order, Back, validation per screen, the plan, the
// destructive confirmation, progress events, Ctrl-C.
import { describe, expect, it } from 'vitest';
import { parseAnswers } from '../../installer/answers/parse.ts';
import { serializeAnswers } from '../../installer/answers/serialize.ts';
import { toAnswers } from '../../installer/ui/wizard/answers.ts';
import {
  FORM_SCREENS,
  SCREENS,
  wizardReducer,
  type WizardAction,
  type WizardState,
} from '../../installer/ui/wizard/state.ts';
import type { WizardValues } from '../../installer/ui/wizard/values.ts';
import { hardware, LEASE, PASSWORD, SSH_KEY, startState, walkTo } from './helpers.ts';

const run = (s: WizardState, ...actions: WizardAction[]) => actions.reduce(wizardReducer, s);

describe('wizard order and Back', () => {
  it('goes through every screen in order with defaults and one password', () => {
    let s = startState();
    const seen = [s.screen];
    for (const screen of SCREENS.slice(1, SCREENS.indexOf('progress') + 1)) {
      s = walkTo(screen, s);
      seen.push(s.screen);
    }
    expect(seen).toEqual(SCREENS.slice(0, SCREENS.indexOf('progress') + 1));
    expect(s.progress.startedAt).toBe(5);
  });

  it('needs the license accepted: next/submit on welcome do nothing, accept moves on', () => {
    const s = startState();
    expect(run(s, { type: 'next' }).screen).toBe('welcome');
    expect(run(s, { type: 'submit' }).screen).toBe('welcome');
    const a = run(s, { type: 'accept-license' });
    expect(a.licenseAccepted).toBe(true);
    expect(a.screen).toBe('hardware');
  });

  it('Back works on every screen from hardware to confirm and keeps the values sent with it', () => {
    for (const screen of FORM_SCREENS.slice(1)) {
      const s = walkTo(screen);
      const b = wizardReducer(s, { type: 'back' });
      expect(b.screen).toBe(FORM_SCREENS[FORM_SCREENS.indexOf(screen) - 1]);
      expect(b.errors).toEqual({});
    }
    const net = walkTo('network');
    const back = wizardReducer(net, {
      type: 'back',
      values: { network: { ...net.values.network, fqdn: 'half.typed' } },
    });
    expect(back.values.network.fqdn).toBe('half.typed');
    expect(wizardReducer(startState(), { type: 'back' }).screen).toBe('welcome');
  });

  it('an action from another screen (type-ahead, a stale handler) is ignored', () => {
    const disk = walkTo('disk');
    expect(wizardReducer(disk, { type: 'next', from: 'hardware' })).toBe(disk);
    expect(wizardReducer(disk, { type: 'submit', from: 'hardware' })).toBe(disk);
    expect(wizardReducer(disk, { type: 'submit', from: 'disk' }).screen).toBe('locale');
  });

  it('there is no Back after the confirmation', () => {
    const p = walkTo('progress');
    expect(wizardReducer(p, { type: 'back' }).screen).toBe('progress');
    expect(wizardReducer(p, { type: 'submit' }).screen).toBe('progress');
  });
});

describe('validation per screen', () => {
  const refuse = (screen: WizardState['screen'], patch: Partial<WizardValues>) => {
    const s = walkTo(screen);
    const r = wizardReducer(s, { type: 'submit', values: patch });
    expect(r.screen).toBe(screen);
    return r.errors;
  };

  it('disk: needs a target, one disk for LVM, enough disks for the RAID level, numbers in GiB', () => {
    const d = startState().values.disk;
    expect(refuse('disk', { disk: { ...d, disks: [] } }).disks).toMatch(/select a target disk/);
    expect(refuse('disk', { disk: { ...d, disks: ['sr0'] } }).disks).toMatch(
      /not an install target: sr0/,
    );
    expect(refuse('disk', { disk: { ...d, hdsize: 'lots' } }).hdsize).toMatch(/not a size in GiB/);
    expect(refuse('disk', { disk: { ...d, swapsize: '100', hdsize: '100' } }).swapsize).toMatch(
      /more than half/,
    );
    const four = walkTo('disk', startState(hardware('four-identical')));
    const r = wizardReducer(four, {
      type: 'submit',
      values: {
        disk: { ...four.values.disk, filesystem: 'btrfs', raid: 'raid10', disks: ['sda', 'sdb'] },
      },
    });
    expect(r.errors.disks).toBe('btrfs raid10 needs at least 4 disks, 2 selected');
    const e = wizardReducer(four, {
      type: 'submit',
      values: { disk: { ...four.values.disk, filesystem: 'ext4', disks: ['sda', 'sdb'] } },
    });
    expect(e.errors.disks).toMatch(/exactly one disk/);
  });

  it('locale: the answer file messages for unknown values', () => {
    const l = startState().values.locale;
    expect(refuse('locale', { locale: { ...l, timezone: 'Europe/Viena' } }).timezone).toMatch(
      /unknown time zone 'Europe\/Viena'/,
    );
    expect(refuse('locale', { locale: { ...l, keyboard: 'qq' } }).keyboard).toMatch(
      /unknown keyboard layout/,
    );
    expect(refuse('locale', { locale: { ...l, country: 'XX' } }).country).toBeDefined();
  });

  it('password: length, match, e-mail; the message never contains the password', () => {
    const e = refuse('password', {
      password: { password: 'short', confirm: 'short', mailto: 'nope' },
    });
    expect(e.password).toBe('must be at least 8 characters long (has 5)');
    expect(e.mailto).toMatch(/does not look like an e-mail address/);
    const m = refuse('password', {
      password: { password: PASSWORD, confirm: PASSWORD + 'x', mailto: 'a@b.c' },
    });
    expect(m.confirm).toBe('the passwords do not match');
    expect(JSON.stringify(m)).not.toContain(PASSWORD);
  });

  it('network: FQDN, and for a static address CIDR, gateway inside the subnet, DNS', () => {
    const n = startState().values.network;
    const e = refuse('network', {
      network: {
        ...n,
        mode: 'static',
        fqdn: 'nodot',
        cidr: '10.0.0.5/24',
        gateway: '10.0.1.1',
        dns: 'x',
      },
    });
    expect(e.fqdn).toMatch(/needs a domain/);
    expect(e.gateway).toMatch(/not inside the subnet 10.0.0.0\/24/);
    expect(e.dns).toMatch(/not a valid IPv4 or IPv6 address/);
    expect(refuse('network', { network: { ...n, nic: 'eth9' } }).nic).toMatch(/choose a NIC: eno1/);
    // DHCP ignores the static fields
    const ok = wizardReducer(walkTo('network'), {
      type: 'submit',
      values: { network: { ...n, mode: 'dhcp', cidr: 'junk' } },
    });
    expect(ok.screen).toBe('cluster');
  });

  it('cluster: name for create; master IP, token, optional fingerprint for join', () => {
    const c = startState().values.cluster;
    expect(
      refuse('cluster', { cluster: { ...c, mode: 'create', name: 'bad name!' } }).name,
    ).toMatch(/not a valid cluster name/);
    const j = refuse('cluster', {
      cluster: { ...c, mode: 'join', master: '10.0.0', token: 'short', fingerprint: 'zz' },
    });
    expect(Object.keys(j).sort()).toEqual(['fingerprint', 'master', 'token']);
    const ok = wizardReducer(walkTo('cluster'), {
      type: 'submit',
      values: {
        cluster: { ...c, mode: 'join', master: '10.0.0.1', token: 'a'.repeat(20), fingerprint: '' },
      },
    });
    expect(ok.screen).toBe('summary');
    expect(ok.plan?.summary.cluster).toMatch(/join 10.0.0.1/);
  });

  it('ssh: every key is checked again on submit', () => {
    expect(refuse('ssh', { ssh: { keys: ['ssh-rsa nope'] } }).key0).toMatch(/ssh-rsa/);
    expect(
      wizardReducer(walkTo('ssh'), { type: 'submit', values: { ssh: { keys: [SSH_KEY] } } }).screen,
    ).toBe('network');
  });
});

describe('summary, confirmation, progress', () => {
  it('plans on entering the summary with the disks to wipe', () => {
    const s = walkTo('summary');
    expect(s.plan?.summary.disks.map((d) => d.path)).toEqual(['/dev/sda']);
    expect(s.plan?.summary.hostname).toBe('openve');
  });

  it('the confirmation needs the host name typed exactly', () => {
    const c = walkTo('confirm');
    const wrong = wizardReducer(c, { type: 'confirm', typed: 'yes', now: 1 });
    expect(wrong.screen).toBe('confirm');
    expect(wrong.confirmError).toMatch(/type the host name 'openve'/);
    const right = wizardReducer(c, { type: 'confirm', typed: ' openve ', now: 7 });
    expect(right.screen).toBe('progress');
    expect(right.confirmError).toBeNull();
  });

  it('confirm is ignored anywhere but on the confirmation screen', () => {
    const s = walkTo('summary');
    expect(wizardReducer(s, { type: 'confirm', typed: 'openve', now: 1 }).screen).toBe('summary');
  });

  it('progress events: ratio only grows, the log keeps the last lines, finished moves to done', () => {
    let s = walkTo('progress');
    s = run(
      s,
      {
        type: 'event',
        event: { type: 'progress', ratio: 0.5, step: 'extract:payload', text: 'Copying' },
      },
      {
        type: 'event',
        event: { type: 'progress', ratio: 0.4, step: 'extract:payload', text: 'Copying' },
      },
    );
    expect(s.progress.ratio).toBe(0.5);
    for (let i = 0; i < 10; i++)
      s = wizardReducer(s, { type: 'event', event: { type: 'message', text: `line ${i}` } });
    expect(s.progress.log).toEqual(['line 4', 'line 5', 'line 6', 'line 7', 'line 8', 'line 9']);
    s = wizardReducer(s, { type: 'event', event: { type: 'finished', ok: true, seconds: 9 } });
    expect(s.screen).toBe('done');
    expect(s.progress.ratio).toBe(1);
    expect(wizardReducer(s, { type: 'finish' }).exit).toEqual({ code: 0 });
  });

  it('an error event records the failing step; finish then exits 1', () => {
    let s = walkTo('progress');
    s = run(
      s,
      {
        type: 'event',
        event: { type: 'progress', ratio: 0.1, step: 'partition:sda', text: 'Partitioning' },
      },
      { type: 'event', event: { type: 'error', text: 'sgdisk failed' } },
      { type: 'event', event: { type: 'finished', ok: false, seconds: 2 } },
    );
    expect(s.progress.error).toEqual({ step: 'partition:sda', text: 'sgdisk failed' });
    expect(wizardReducer(s, { type: 'finish' }).exit).toEqual({ code: 1 });
  });

  it('events before the install are ignored', () => {
    const s = walkTo('summary');
    expect(
      wizardReducer(s, { type: 'event', event: { type: 'finished', ok: true, seconds: 1 } }),
    ).toBe(s);
  });
});

describe('Ctrl-C', () => {
  it('asks first; while asking, other actions are ignored; cancel returns, confirm exits 130', () => {
    const s = walkTo('disk');
    const asked = wizardReducer(s, { type: 'quit-ask' });
    expect(asked.quitPrompt).toBe(true);
    expect(wizardReducer(asked, { type: 'submit' }).screen).toBe('disk');
    expect(wizardReducer(asked, { type: 'quit-cancel' }).quitPrompt).toBe(false);
    const quit = wizardReducer(asked, { type: 'quit-confirm' });
    expect(quit.exit).toEqual({ code: 130 });
    expect(wizardReducer(quit, { type: 'back' })).toBe(quit);
  });
});

describe('Answers from the wizard', () => {
  it('defaults plus a password make Answers that survive serialize -> parse unchanged (but hashed)', () => {
    const s = walkTo('summary', startState(hardware(), LEASE));
    const answers = toAnswers({ ...s.values, ssh: { keys: [SSH_KEY] } }, s.hw);
    expect(answers.network).toMatchObject({
      source: 'from-answer',
      cidr: '192.168.1.10/24',
      gateway: '192.168.1.1',
      filter: { ID_NET_NAME_MAC: 'enxe454e85a1234' },
    });
    const hash = '$6$saltsalt$' + 'a'.repeat(86);
    const text = serializeAnswers(answers, { hashPassword: () => hash });
    expect(text).not.toContain(PASSWORD);
    const parsed = parseAnswers(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect(parsed.value).toEqual({
        ...answers,
        global: { ...answers.global, rootPassword: { kind: 'hashed', hash } },
      });
  });

  it('btrfs and cluster choices map onto the answer file fields', () => {
    const hw = hardware('four-identical');
    const s = startState(hw);
    const v: WizardValues = {
      ...s.values,
      disk: {
        ...s.values.disk,
        filesystem: 'btrfs',
        raid: 'raid10',
        disks: ['sda', 'sdb', 'sdc', 'sdd'],
        hdsize: '100',
      },
      cluster: { mode: 'create', name: 'lab', master: '', token: '', fingerprint: '' },
    };
    const a = toAnswers(v, hw);
    expect(a.disk).toEqual({
      filesystem: 'btrfs',
      selection: { kind: 'list', disks: ['sda', 'sdb', 'sdc', 'sdd'] },
      lvm: {},
      btrfs: { raid: 'raid10', hdsize: 100 },
    });
    expect(a.cluster).toEqual({ mode: 'create', name: 'lab' });
  });
});

describe('defaults from the live system', () => {
  it("the live ISO's own host name is not the node's; a name DHCP gave is", () => {
    const live = walkTo(
      'summary',
      startState(hardware(), { ...LEASE, hostname: 'openve-installer' }),
    );
    expect(live.values.network.fqdn).toBe('openve.example.com');
    const given = walkTo('summary', startState(hardware(), LEASE));
    expect(given.values.network.fqdn).toBe('pve1.example.com');
  });

  it('a lease without a default route (DHCP still settling) starts with DHCP, so Enter still works', () => {
    const { gateway: _gw, dns: _dns, ...partial } = LEASE;
    const s = walkTo('summary', startState(hardware(), partial));
    expect(s.values.network).toMatchObject({ nic: 'eno1', mode: 'dhcp' });
    expect(s.plan).not.toBeNull();
  });
});
