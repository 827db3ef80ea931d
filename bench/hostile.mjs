#!/usr/bin/env node
// Budget (issue 10): every hostile answer file ends in exit 1 with an error naming the field (or
// the file/line), in under 1 s and under 200 MB RSS. Runs the real CLI on each case under
// /usr/bin/time (wall, CPU = user+sys, max RSS) and prints JSON. Wall time on a loaded machine
// includes waiting for a core; CPU time is the steadier figure, both are reported.
// usage: node bench/hostile.mjs [--out FILE]
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-hostile-'));
const base = readFileSync(path.join(root, 'test/golden/answers/ok/ext4-static.toml'), 'utf8');
const MiB = 1024 * 1024;
const file = (name, data) => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};
const filler = (line, bytes) => line.repeat(Math.floor(bytes / line.length));
const longLinks = JSON.parse(
  readFileSync(path.join(root, 'test/fixtures/hardware/single-sata.json'), 'utf8'),
);
longLinks.disks[0].udev.DEVLINKS = Array.from(
  { length: 200 },
  (_, i) => `/dev/disk/by-path/pci-0000:00:1f.${i}-ata-${i}-part${i}`,
).join(' ');
const hw = file('long-links.json', JSON.stringify(longLinks));
const fifo = path.join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);

// [name, argv, expected stderr pattern (the field, file or line it names)]
const cases = [
  [
    'latin1 byte',
    ['validate', file('latin1.toml', Buffer.from(base.replace('passw0rd', 'pässw0rd'), 'latin1'))],
    /line 8, column \d+: the answer file is not valid UTF-8/,
  ],
  [
    'over 1 MiB',
    ['validate', file('big.toml', base + filler('# padding padding padding\n', 2 * MiB))],
    /too large for an answer file/,
  ],
  [
    '50 MB of unknown keys',
    ['validate', file('unknown50.toml', base + filler('unknown_key_xx = 1\n', 50 * MiB))],
    /too large for an answer file/,
  ],
  [
    '1 MiB of unknown keys',
    [
      'validate',
      file(
        'unknown1.toml',
        base.replace(
          '[network]',
          `${filler('unknown_key_xx = 1\n', MiB - 300_000)
            .split('\n')
            .map((l, i) => l.replace('xx', String(i)))
            .join('\n')}\n[network]`,
        ),
      ),
    ],
    /unknown1\.toml: has \d+ lines; an answer file has a few dozen/,
  ],
  [
    'deep dotted key',
    ['validate', file('dotted.toml', `${base}\nx.${'a.'.repeat(400_000)}b = 1\n`)],
    /line \d+: a key with more than 16 dotted parts/,
  ],
  [
    'deep table header',
    ['validate', file('header.toml', `${base}\n[${'a.'.repeat(400_000)}b]\n`)],
    /line \d+: a key with more than 16 dotted parts/,
  ],
  [
    'deep inline arrays',
    [
      'validate',
      file('inline.toml', `${base}\nx = ${'['.repeat(400_000)}${']'.repeat(400_000)}\n`),
    ],
    /invalid TOML: .*nested/,
  ],
  [
    '/dev/zero',
    ['validate', '/dev/zero'],
    /\/dev\/zero: is a character device, not a regular file/,
  ],
  [
    'FIFO without writer',
    ['plan', '--answer', fifo, '--hardware', hw],
    /--answer: .*is a pipe \(FIFO\)/,
  ],
  [
    'reversed glob range',
    [
      'validate',
      file('range.toml', base.replace('disk-list = ["sda"]', 'filter.ID_SERIAL = "[z-a]*"')),
    ],
    /disk-setup\.filter\.ID_SERIAL: invalid glob/,
  ],
  [
    'many-* glob on long udev links',
    [
      'plan',
      '--answer',
      file(
        'stars.toml',
        base.replace('disk-list = ["sda"]', `filter.DEVLINKS = "${'*a'.repeat(200)}*Z"`),
      ),
      '--hardware',
      hw,
    ],
    /disk-setup\.filter/,
  ],
  [
    'pinned name vmbr0',
    [
      'validate',
      file(
        'pin.toml',
        base.replace(
          '[disk-setup]',
          '[network.interface-name-pinning]\nenabled = true\nmapping."52:54:00:12:34:56" = "vmbr0"\n\n[disk-setup]',
        ),
      ),
    ],
    /interface-name-pinning\.mapping\..*is reserved/,
  ],
  [
    'credentials in a bad URL',
    [
      'validate',
      file(
        'url.toml',
        `${base}\n[post-installation-webhook]\nurl = "ftp://admin:s3cret-pw@example.com/x"\n`,
      ),
    ],
    /post-installation-webhook\.url: '.*\*\*\*@/,
  ],
];

const results = [];
for (const [name, args, expect] of cases) {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', 'stats %U %S %M', process.execPath, path.join(root, 'bin/openve-install.js'), ...args],
    { cwd: root, encoding: 'utf8', timeout: 20_000 },
  );
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const m = /stats ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr ?? '');
  const stderr = (r.stderr ?? '').replace(
    /(Command exited with non-zero status \d+\n)?stats .*\s*$/,
    '',
  );
  results.push({
    name,
    exit: r.status,
    wallMs: Math.round(wallMs),
    cpuMs: m ? Math.round((Number(m[1]) + Number(m[2])) * 1000) : null,
    rssMB: m ? Math.round(Number(m[3]) / 1024) : null,
    namesField: expect.test(stderr),
    leaksSecret: stderr.includes('s3cret-pw') || stderr.includes('passw0rd'),
    firstLine: stderr.split('\n')[0].slice(0, 160),
  });
}
const out = {
  date: new Date().toISOString(),
  loadavg: os.loadavg().map((l) => Math.round(l * 10) / 10),
  budget: { wallMs: 1000, rssMB: 200 },
  results,
};
const json = JSON.stringify(out, null, 2);
const at = process.argv.indexOf('--out');
if (at > 0) writeFileSync(process.argv[at + 1], `${json}\n`);
process.stdout.write(`${json}\n`);
