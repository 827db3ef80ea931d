// The screens' pure parts: text editing, forms, searchable lists, the disk/locale/SSH/summary/
// confirm reducers, hardware warnings, locale guessing, DHCP lease parsing.
import { describe, expect, it } from 'vitest';
import { editText, textAt } from '../../installer/ui/components/text-edit.ts';
import {
  cycleChoice,
  formKey,
  initForm,
  moveFocus,
  type FieldSpec,
} from '../../installer/ui/components/form/form-state.ts';
import { inlineErrors } from '../../installer/ui/components/form/use-form-screen.ts';
import { filterChoices, pickerKey } from '../../installer/ui/components/picker/picker-state.ts';
import { fitHints } from '../../installer/ui/components/frame.tsx';
import { progressBarText } from '../../installer/ui/components/progress-bar.tsx';
import { timezones } from '../../installer/ui/data/timezones.ts';
import { countries } from '../../installer/ui/data/countries.ts';
import { guessLocale } from '../../installer/ui/env-defaults.ts';
import { clip, formatElapsed, wrapText } from '../../installer/ui/format.ts';
import { splitInput, type KeyPress } from '../../installer/ui/keys.ts';
import { parseLease } from '../../installer/ui/lease.ts';
import {
  btrfsUsableBytes,
  diskReducer,
  initDiskState,
  setFilesystem,
  toggleDisk,
} from '../../installer/ui/screens/disk/disk-state.ts';
import {
  hardwareWarnings,
  virtualizationText,
} from '../../installer/ui/screens/hardware/hardware-state.ts';
import { initLocaleState, localeKey } from '../../installer/ui/screens/locale/locale-state.ts';
import {
  addKeys,
  describeKey,
  initSshState,
  sshKey,
} from '../../installer/ui/screens/ssh/ssh-state.ts';
import {
  DEFAULT_ANSWER_PATH,
  initSummaryState,
  summaryKey,
  summaryLines,
} from '../../installer/ui/screens/summary/summary-state.ts';
import { confirmKey } from '../../installer/ui/screens/confirm/confirm-state.ts';
import { doneInfo } from '../../installer/ui/screens/done/done-state.ts';
import { clusterFields } from '../../installer/ui/screens/cluster/cluster-state.ts';
import { networkFields } from '../../installer/ui/screens/network/network-state.ts';
import { wizardReducer } from '../../installer/ui/wizard/state.ts';
import { passwordStrength } from '../../installer/ui/wizard/checks.ts';
import { previewLayout } from '../../installer/ui/wizard/validate.ts';
import { hardware, PASSWORD, SSH_KEY, startState } from './helpers.ts';

const k = (kind: Exclude<KeyPress['kind'], 'text'>): KeyPress => ({ kind }) as KeyPress;
const t = (text: string): KeyPress => ({ kind: 'text', text });

describe('input splitting', () => {
  it('a burst "text<Tab>text<Enter>" becomes text, Tab, text, Enter; single keys pass through', () => {
    const plain = { tab: false, return: false, ctrl: false, meta: false } as Parameters<
      typeof splitInput
    >[1];
    const parts = splitInput('abc\tdef\r', plain);
    expect(parts.map(([i, k]) => (k.tab ? '<tab>' : k.return ? '<enter>' : i))).toEqual([
      'abc',
      '<tab>',
      'def',
      '<enter>',
    ]);
    expect(splitInput('x', plain)).toEqual([['x', plain]]);
    // a burst of Backspaces over a serial console (seen on the live ISO: it erased nothing)
    const erase = splitInput('\u007f\u007f\u007fab\u007f', plain);
    expect(erase.map(([i, k]) => (k.backspace ? '<bs>' : i))).toEqual(['<bs>', '<bs>', '<bs>', 'ab', '<bs>']);
    expect(splitInput('k1\nk2\n', plain).map(([i, k]) => (k.return ? '<enter>' : i))).toEqual([
      'k1',
      '<enter>',
      'k2',
      '<enter>',
    ]);
  });
});

describe('text editing', () => {
  it('inserts at the cursor, moves, erases, clears', () => {
    let s = textAt('ac');
    s = editText(s, k('left'))!;
    s = editText(s, t('b'))!;
    expect(s).toEqual({ value: 'abc', cursor: 2 });
    s = editText(s, k('home'))!;
    expect(editText(s, k('backspace'))).toEqual(s);
    s = editText(s, k('end'))!;
    s = editText(s, k('backspace'))!;
    expect(s).toEqual({ value: 'ab', cursor: 2 });
    expect(editText(s, k('ctrl-u'))).toEqual({ value: '', cursor: 0 });
    expect(editText(s, k('enter'))).toBeNull();
  });
  it('a paste with newlines becomes one line; maxLength holds', () => {
    expect(editText(textAt(''), t('a\r\nb'))!.value).toBe('a b');
    expect(editText(textAt('abc'), t('def'), 4)).toEqual({ value: 'abcd', cursor: 4 });
  });
});

describe('forms', () => {
  const fields: FieldSpec[] = [
    { id: 'a', label: 'A', kind: 'text' },
    {
      id: 'c',
      label: 'C',
      kind: 'choice',
      options: [
        { value: 'x', label: 'X' },
        { value: 'y', label: 'Y' },
      ],
    },
  ];
  it('Tab/Down and Shift-Tab/Up move focus, wrapping; typing edits the focused text field', () => {
    let f = initForm({ a: '', c: 'x' }, fields);
    f = formKey(f, fields, t('hi'));
    expect(f.values.a).toBe('hi');
    f = formKey(f, fields, k('tab'));
    expect(f.focus).toBe('c');
    expect(formKey(f, fields, k('down')).focus).toBe('a');
    expect(moveFocus(f, fields, -1).focus).toBe('a');
  });
  it('choice fields cycle with Left/Right/Space and ignore typing', () => {
    let f = initForm({ a: '', c: 'x' }, fields, 'c');
    f = formKey(f, fields, k('right'));
    expect(f.values.c).toBe('y');
    f = formKey(f, fields, k('space'));
    expect(f.values.c).toBe('x');
    expect(cycleChoice(f, fields[1]!, -1).values.c).toBe('y');
    expect(formKey(f, fields, t('q'))).toEqual(f);
  });
  it('inline errors: changed-and-left fields before a submit, every field after one', () => {
    const live = { a: 'bad a', c: 'bad c' };
    const f = { values: { a: 'changed', c: 'x' }, focus: 'c', cursor: 0 };
    expect(inlineErrors(live, f, { a: '', c: 'x' }, false)).toEqual({ a: 'bad a' });
    expect(inlineErrors(live, f, { a: '', c: 'x' }, true)).toEqual(live);
  });
  it('network fields: static shows address, gateway and DNS; DHCP hides them', () => {
    const fields = networkFields(hardware());
    expect(fields({ mode: 'static' }).map((f) => f.id)).toEqual([
      'nic',
      'mode',
      'fqdn',
      'cidr',
      'gateway',
      'dns',
    ]);
    expect(fields({ mode: 'dhcp' }).map((f) => f.id)).toEqual(['nic', 'mode', 'fqdn']);
    expect(fields({}).find((f) => f.id === 'nic')?.options?.[0]?.label).toMatch(
      /eno1 .*link up 1000 Mb\/s/,
    );
  });
  it('cluster fields follow the mode', () => {
    expect(clusterFields({ mode: 'none' }).map((f) => f.id)).toEqual(['mode']);
    expect(clusterFields({ mode: 'create' }).map((f) => f.id)).toEqual(['mode', 'name']);
    expect(clusterFields({ mode: 'join' }).map((f) => f.id)).toEqual([
      'mode',
      'master',
      'token',
      'fingerprint',
    ]);
  });
});

describe('searchable lists', () => {
  it('ranks exact id, id prefix, label prefix, word prefix (shortest word first), substring', () => {
    expect(filterChoices(timezones(), 'vien')[0]?.value).toBe('Europe/Vienna');
    expect(filterChoices(countries(), 'at')[0]?.value).toBe('at');
    expect(filterChoices(countries(), 'austr').map((c) => c.value)).toEqual(['au', 'at']);
    expect(filterChoices(countries(), 'zzzz')).toEqual([]);
  });
  it('keys: type filters, arrows move within matches, Enter picks, Esc/Backspace on empty cancels', () => {
    const list = countries();
    let r = pickerKey({ query: '', highlight: 0 }, list, t('austr'));
    expect(r).toEqual({ kind: 'state', state: { query: 'austr', highlight: 0 } });
    if (r.kind !== 'state') throw new Error();
    r = pickerKey(r.state, list, k('down'));
    if (r.kind !== 'state') throw new Error();
    expect(r.state.highlight).toBe(1);
    expect(pickerKey({ ...r.state, highlight: 1 }, list, k('down'))).toEqual({
      kind: 'state',
      state: { query: 'austr', highlight: 1 },
    });
    expect(pickerKey(r.state, list, k('enter'))).toEqual({ kind: 'picked', value: 'at' });
    expect(pickerKey({ query: '', highlight: 0 }, list, k('escape'))).toEqual({ kind: 'cancel' });
    expect(pickerKey({ query: '', highlight: 0 }, list, k('backspace'))).toEqual({
      kind: 'cancel',
    });
    expect(pickerKey({ query: 'zzzz', highlight: 0 }, list, k('enter'))).toEqual({
      kind: 'state',
      state: { query: 'zzzz', highlight: 0 },
    });
  });
  it('locale screen: typing opens the list on the focused field, Enter picks, Enter again submits', () => {
    let s = initLocaleState({ country: 'us', timezone: 'UTC', keyboard: 'en-us' });
    s = localeKey(s, k('tab')) as typeof s;
    expect(s.focus).toBe('timezone');
    s = localeKey(s, t('vienna')) as typeof s;
    expect(s.open?.query).toBe('vienna');
    s = localeKey(s, k('enter')) as typeof s;
    expect(s.values.timezone).toBe('Europe/Vienna');
    expect(s.open).toBeNull();
    expect(localeKey(s, k('enter'))).toBe('submit');
    expect(localeKey(s, k('escape'))).toBe('back');
    const opened = localeKey(s, k('space')) as typeof s;
    expect(localeKey(opened, k('escape'))).toMatchObject({ open: null, values: s.values });
  });
});

describe('disk screen', () => {
  const hw = hardware('four-identical');
  it('LVM filesystems select exactly one disk; btrfs toggles members and fits the RAID level', () => {
    const v = startState(hw).values.disk;
    expect(toggleDisk(v, 'sdb').disks).toEqual(['sdb']);
    const b = setFilesystem(v, 'btrfs');
    expect(b.raid).toBe('raid0');
    const two = toggleDisk(b, 'sdb');
    expect(two.disks).toEqual(['sda', 'sdb']);
    expect(setFilesystem({ ...two, filesystem: 'ext4' }, 'btrfs').raid).toBe('raid1');
    expect(setFilesystem(two, 'xfs').disks).toEqual(['sda']);
  });
  it('keys: arrows move, Left/Right on the first row change the filesystem, Space toggles, a opens Advanced', () => {
    let s = initDiskState(startState(hw).values.disk);
    s = diskReducer(s, { type: 'key', key: k('right'), hw });
    expect(s.values.filesystem).toBe('xfs');
    s = diskReducer(s, { type: 'key', key: k('right'), hw });
    expect(s.values.filesystem).toBe('btrfs');
    s = diskReducer(s, { type: 'key', key: k('down'), hw });
    s = diskReducer(s, { type: 'key', key: k('down'), hw });
    s = diskReducer(s, { type: 'key', key: k('space'), hw });
    expect(s.values.disks).toEqual(['sda', 'sdb']);
    expect(s.values.raid).toBe('raid1'); // follows the disk count until chosen
    s = diskReducer(s, { type: 'key', key: t('a'), hw });
    expect(s.advanced?.focus).toBe('raid');
    s = diskReducer(s, { type: 'key', key: k('right'), hw });
    expect(s.values.raid).toBe('raid10');
    s = diskReducer(s, { type: 'key', key: k('escape'), hw });
    expect(s.advanced).toBeNull();
    expect(s.values.raid).toBe('raid1'); // Esc discards the panel's edits
    s = diskReducer(s, { type: 'key', key: t('a'), hw });
    s = diskReducer(s, { type: 'key', key: k('left'), hw });
    s = diskReducer(s, { type: 'key', key: k('enter'), hw });
    expect(s.values.raid).toBe('raid0');
    expect(s.raidAuto).toBe(false);
    s = diskReducer(s, { type: 'key', key: k('down'), hw });
    s = diskReducer(s, { type: 'key', key: k('space'), hw });
    expect(s.values.disks).toEqual(['sda', 'sdb', 'sdc']);
    expect(s.values.raid).toBe('raid0'); // the user's choice stays
    s = diskReducer(s, { type: 'key', key: t('a'), hw });
    s = diskReducer(s, { type: 'key', key: k('tab'), hw });
    s = diskReducer(s, { type: 'key', key: t('200'), hw });
    s = diskReducer(s, { type: 'key', key: k('enter'), hw });
    expect(s.values.hdsize).toBe('200');
    expect(s.advanced).toBeNull();
  });
  it('btrfs usable space: raid0 sums, raid1 mirrors (bounded by the largest disk), raid10 halves', () => {
    expect(btrfsUsableBytes('raid0', [1, 2])).toBe(3);
    expect(btrfsUsableBytes('raid1', [4, 4])).toBe(4);
    expect(btrfsUsableBytes('raid1', [1, 10])).toBe(1);
    expect(btrfsUsableBytes('raid10', [4, 4, 4, 4])).toBe(8);
  });
  it('the live layout comes from the planner and reacts to the advanced values', () => {
    const s = startState(hardware());
    const auto = previewLayout(s.values, s.hw);
    expect(auto).toMatchObject({ layout: 'LVM-thin (ext4) on /dev/sda' });
    const small = previewLayout(
      { ...s.values, disk: { ...s.values.disk, hdsize: '64', swapsize: '2', maxroot: '10' } },
      s.hw,
    );
    if (!('volumes' in small)) throw new Error(JSON.stringify(small));
    expect(small.volumes.find((v) => v.name === 'swap')?.sizeMiB).toBe(2048);
    expect(small.volumes.find((v) => v.name === 'root')?.sizeMiB).toBe(10240);
    expect(
      previewLayout({ ...s.values, disk: { ...s.values.disk, hdsize: '99999' } }, s.hw),
    ).toHaveProperty('error');
    expect(previewLayout({ ...s.values, disk: { ...s.values.disk, disks: [] } }, s.hw)).toEqual({
      error: 'select a target disk (Space)',
    });
  });
});

describe('SSH keys screen', () => {
  it('Enter adds a valid key, keeps a bad one in the field with the reason, Enter on empty submits', () => {
    let s = initSshState([]);
    s = sshKey(s, t(SSH_KEY)) as typeof s;
    s = sshKey(s, k('enter')) as typeof s;
    expect(s.keys).toEqual([SSH_KEY]);
    s = sshKey(s, t('ssh-ed25519 AAAA')) as typeof s;
    s = sshKey(s, k('enter')) as typeof s;
    expect(s.error).toMatch(/ssh-ed25519/);
    expect(s.input.value).toBe('ssh-ed25519 AAAA');
    s = sshKey(s, k('ctrl-u')) as typeof s;
    expect(sshKey(s, k('enter'))).toBe('submit');
  });
  it('a multi-line paste adds every key; duplicates are dropped; d removes from the list', () => {
    let s = addKeys(initSshState([]), `${SSH_KEY}\n${SSH_KEY}\n`);
    expect(s.keys).toHaveLength(1);
    s = sshKey(s, k('down')) as typeof s;
    expect(s.focus).toBe(0);
    s = sshKey(s, t('d')) as typeof s;
    expect(s.keys).toEqual([]);
    expect(s.focus).toBe('input');
  });
  it('lists keys by SHA256 fingerprint, as ssh-keygen -l does', () => {
    expect(describeKey(SSH_KEY)).toMatch(/^ssh-ed25519 SHA256:[A-Za-z0-9+/]{43} alice@laptop$/);
  });
});

describe('summary, confirm, done', () => {
  const atSummary = () => {
    let s = startState();
    s = wizardReducer(s, { type: 'accept-license' });
    s = wizardReducer(s, { type: 'next' });
    s = wizardReducer(s, { type: 'submit' });
    s = wizardReducer(s, { type: 'submit' });
    s = wizardReducer(s, {
      type: 'submit',
      values: { password: { password: PASSWORD, confirm: PASSWORD, mailto: 'a@b.c' } },
    });
    for (let i = 0; i < 3; i++) s = wizardReducer(s, { type: 'submit' });
    expect(s.screen).toBe('summary');
    return s;
  };
  it('summary lines name the disk with model, size and serial, every step, and never the password', () => {
    const lines = summaryLines(atSummary()).map((l) => l.text);
    expect(lines.join('\n')).toMatch(
      /\/dev\/sda {2}465\.8 GiB {2}Samsung SSD 870 EVO 500GB {2}serial S6PWNJ0T412345A/,
    );
    expect(lines.some((l) => /^ +1\. Wiping \/dev\/sda/.test(l))).toBe(true);
    expect(lines.every((l) => l.length <= 76)).toBe(true);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });
  it('summary keys: scroll within bounds, s opens Save with the default path, Enter saves, Esc closes', () => {
    let s = initSummaryState();
    expect(summaryKey(s, k('up'), 30, 10)).toEqual(s);
    s = summaryKey(s, k('pagedown'), 30, 10) as typeof s;
    s = summaryKey(s, k('pagedown'), 30, 10) as typeof s;
    s = summaryKey(s, k('pagedown'), 30, 10) as typeof s;
    expect(s.scroll).toBe(20);
    expect(summaryKey(s, k('enter'), 30, 10)).toEqual({ kind: 'install' });
    expect(summaryKey(s, k('escape'), 30, 10)).toEqual({ kind: 'back' });
    s = summaryKey(s, t('s'), 30, 10) as typeof s;
    expect(s.save?.path.value).toBe(DEFAULT_ANSWER_PATH);
    expect(summaryKey(s, k('enter'), 30, 10)).toEqual({ kind: 'save', path: '/tmp/answer.toml' });
    expect(summaryKey(s, k('escape'), 30, 10)).toMatchObject({ save: null });
  });
  it('confirm: edits, Enter submits what was typed, Esc goes back', () => {
    const s = confirmKey(textAt('pve'), t('1'));
    expect(s).toEqual({ value: 'pve1', cursor: 4 });
    expect(confirmKey(textAt('pve1'), k('enter'))).toEqual({ kind: 'confirm', typed: 'pve1' });
    expect(confirmKey(textAt(''), k('escape'))).toEqual({ kind: 'back' });
  });
  it('done: success names the address and next steps; failure names the step, its output and the log', () => {
    const s = atSummary();
    const ok = doneInfo(
      { ...s, progress: { ...s.progress, finished: { ok: true, seconds: 12 } } },
      true,
      '/tmp/l',
    );
    expect(ok.ok).toBe(true);
    expect(ok.lines.join('\n')).toMatch(/DHCP on eno1/);
    expect(ok.lines.join('\n')).toMatch(/dry run/);
    const bad = doneInfo(
      {
        ...s,
        progress: {
          ...s.progress,
          step: 'partition:sda',
          error: { step: 'partition:sda', text: 'sgdisk exited 2\nProblem opening /dev/sda' },
          finished: { ok: false, seconds: 1 },
        },
      },
      false,
      '/tmp/openve-install.log',
    );
    expect(bad.failedStep).toBe('partition:sda (Partitioning /dev/sda)');
    expect(bad.output).toEqual(['sgdisk exited 2', 'Problem opening /dev/sda']);
    expect(bad.lines[0]).toBe('Full log: /tmp/openve-install.log');
  });
});

describe('hardware facts, environment, lease, formatting', () => {
  it('warns clearly without VT-x/AMD-V and without link', () => {
    expect(hardwareWarnings(hardware('no-vtx')).join('\n')).toMatch(/No VT-x\/AMD-V/);
    expect(virtualizationText(hardware('no-vtx'))).toMatch(/^MISSING/);
    expect(hardwareWarnings(hardware('no-link')).join('\n')).toMatch(
      /No network interface has a link/,
    );
    expect(hardwareWarnings(hardware())).toEqual([]);
  });
  it('guesses country, time zone and keyboard from TZ and LANG', () => {
    const zones = [...timezones().map((z) => z.value)];
    expect(guessLocale({ TZ: 'Europe/Vienna', LANG: 'de_AT.UTF-8' }, zones)).toEqual({
      country: 'at',
      timezone: 'Europe/Vienna',
      keyboard: 'de',
    });
    expect(guessLocale({ LANG: 'de_CH.UTF-8' }, zones, 'Europe/Zurich')).toEqual({
      country: 'ch',
      timezone: 'Europe/Zurich',
      keyboard: 'de-ch',
    });
    expect(guessLocale({ TZ: ':Europe/Paris', LANG: 'C.UTF-8' }, zones)).toEqual({
      country: 'fr',
      timezone: 'Europe/Paris',
      keyboard: 'en-us',
    });
    expect(guessLocale({ TZ: 'Mars/Base' }, zones)).toEqual({
      country: 'us',
      timezone: 'UTC',
      keyboard: 'en-us',
    });
    expect(guessLocale({ LANG: 'en_GB.UTF-8' }, zones).keyboard).toBe('en-gb');
  });
  it('reads the DHCP lease from ip -j addr / route and resolv.conf, for a NIC of the profile only', () => {
    const nics = hardware().nics;
    const addr = JSON.stringify([
      {
        ifname: 'lo',
        addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }],
      },
      {
        ifname: 'eno1',
        addr_info: [
          { family: 'inet', local: '10.0.2.15', prefixlen: 24, scope: 'global', dynamic: true },
        ],
      },
    ]);
    const route = JSON.stringify([{ dst: 'default', gateway: '10.0.2.2', dev: 'eno1' }]);
    expect(
      parseLease(addr, route, 'search lab.example\nnameserver 10.0.2.3\n', nics, 'live'),
    ).toEqual({
      nic: 'eno1',
      cidr: '10.0.2.15/24',
      gateway: '10.0.2.2',
      dns: '10.0.2.3',
      domain: 'lab.example',
      hostname: 'live',
    });
    expect(parseLease(addr, route.replace('eno1', 'wlan0'), '', nics)).toMatchObject({
      nic: 'eno1',
      cidr: '10.0.2.15/24',
    });
    // Seen on the live ISO in QEMU: systemd-resolved writes `search .` when DHCP gave no domain,
    // which made the default e-mail 'root@.' (an invalid address on the password screen).
    const noDomain = parseLease(addr, route, 'nameserver 127.0.0.53\nsearch .\n', nics, 'localhost');
    expect(noDomain).not.toBeNull();
    expect(noDomain).not.toHaveProperty('domain');
    expect(noDomain).not.toHaveProperty('dns'); // the 127.0.0.53 stub is not a DNS server for the node
    expect(parseLease(addr, route, 'nameserver 127.0.0.53\nnameserver 10.0.2.3\n', nics)).toMatchObject({ dns: '10.0.2.3' });
    expect(parseLease('[]', '[]', '', nics)).toBeNull();
    expect(parseLease('not json', '[]', '', nics)).toBeNull();
  });
  it('formats ASCII-only: bar, clip, wrap, elapsed, hints that fit 80 columns', () => {
    expect(progressBarText(0.5, 10)).toBe('[#####.....]  50%');
    expect(progressBarText(Number.NaN, 4)).toBe('[....]   0%');
    expect(clip('abcdefgh', 6)).toBe('abc...');
    expect(wrapText('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(formatElapsed(125_000)).toBe('02:05');
    const many = Array.from({ length: 12 }, (_, i) => ({ key: `K${i}`, label: 'something' }));
    const fit = fitHints(many);
    expect(fit.length).toBeLessThan(12);
    expect(
      fit.reduce((n, h, i) => n + (i ? 3 : 1) + h.key.length + 1 + h.label.length, 0),
    ).toBeLessThanOrEqual(79);
  });
  it('the strength hint grows with length and variety', () => {
    expect(passwordStrength('short').label).toBe('too short');
    expect(passwordStrength('aaaaaaaa').label).toBe('weak');
    expect(passwordStrength('abcdefgh1').label).toBe('fair');
    expect(passwordStrength('Correct-Horse-Battery-9').label).toBe('strong');
  });
});
