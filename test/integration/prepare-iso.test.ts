// prepare-iso on a real (tiny) hybrid ISO made by grub-mkrescue: files embedded, volume id and
// boot equipment kept, and the result boots on SeaBIOS and OVMF, as CD and as a disk, where
// GRUB itself reports that /openve/answer.toml and /openve/first-boot are on the medium.
import { MINIMAL_DHCP_ANSWER } from './helpers/answers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realRunner } from '../../lib/exec/runner.ts';
import { main } from '../../installer/cli.ts';
import { capture } from '../helpers/capture.ts';
import { parseBootSignature, probeArgv } from '../../iso/prepare/embed.ts';
import { parseAnswerUrlFile } from '../../installer/locate/leases.ts';

const runner = realRunner();
const have = (cmd: string) =>
  ['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(join(d, cmd)));
const ready =
  process.getuid?.() === 0 && have('xorriso') && have('grub-mkrescue') && have('mformat');
const qemu = have('qemu-system-x86_64');
const ovmf =
  existsSync('/usr/share/OVMF/OVMF_CODE_4M.fd') && existsSync('/usr/share/OVMF/OVMF_VARS_4M.fd');

const GRUB_PROBE = `serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
if [ -f /openve/answer.toml ]; then echo "OPENVE-PROBE answer=present"; else echo "OPENVE-PROBE answer=absent"; fi
if [ -f /openve/first-boot ]; then echo "OPENVE-PROBE hook=present"; else echo "OPENVE-PROBE hook=absent"; fi
echo "OPENVE-PROBE done"
halt
`;

const ANSWER = `${MINIMAL_DHCP_ANSWER}

[first-boot]
source = "from-iso"
ordering = "fully-up"
`;
const HOOK = '#!/bin/sh\necho first-boot ran > /var/log/openve-first-boot.log\n';

let dir: string;
let inIso: string;

/** `openve-install prepare-iso --in IN ...REST --out OUT`, in-process */
const prepare = (input: string, out: string, ...rest: string[]) =>
  capture(() => main(['prepare-iso', '--in', input, ...rest, '--out', out]));

async function xorrisoReport(iso: string): Promise<string> {
  const r = await runner.run(probeArgv(iso, '/openve'));
  return `${r.stdout}\n${r.stderr}`;
}

describe.skipIf(!ready)('prepare-iso (root, xorriso, grub-mkrescue)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openve-prepare-iso-'));
    mkdirSync(join(dir, 'tree/boot/grub'), { recursive: true });
    mkdirSync(join(dir, 'tree/live'), { recursive: true });
    writeFileSync(join(dir, 'tree/boot/grub/grub.cfg'), GRUB_PROBE);
    writeFileSync(join(dir, 'tree/live/vmlinuz'), 'not a kernel');
    inIso = join(dir, 'in.iso');
    // the same flags as iso/build: hybrid BIOS + UEFI, fixed volume id, no HFS+
    await runner.run([
      'grub-mkrescue',
      '-o',
      inIso,
      join(dir, 'tree'),
      '--',
      '-volid',
      'OPENVE_TEST',
      '-hfsplus',
      'off',
    ]);
    writeFileSync(join(dir, 'answer.toml'), ANSWER);
    writeFileSync(join(dir, 'first-boot'), HOOK, { mode: 0o644 }); // mode 0644 on disk: the ISO must still get 0755
    writeFileSync(join(dir, 'nohook.toml'), ANSWER.replace(/\[first-boot\][\s\S]*$/, ''));
    writeFileSync(
      join(dir, 'bad.toml'),
      ANSWER.replace('fqdn = "node1.example.test"', 'fqdn = "node1"'),
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('embeds answer and hook, keeps the volume id and all boot equipment', async () => {
    const out = join(dir, 'out.iso');
    const started = performance.now();
    const r = await prepare(
      inIso,
      out,
      '--answer',
      join(dir, 'answer.toml'),
      '--on-first-boot',
      join(dir, 'first-boot'),
    );
    const seconds = (performance.now() - started) / 1000;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^wrote .*out\.iso \(.* MiB, volume id OPENVE_TEST\): \/openve\/answer\.toml, \/openve\/first-boot/,
    );
    expect(r.out + r.err).not.toContain('passw0rd-fixture');
    console.log(
      `prepare-iso on a ${(statSync(inIso).size / 1048576).toFixed(1)} MiB ISO: ${seconds.toFixed(2)} s`,
    );

    const report = await xorrisoReport(out);
    expect(report).toMatch(/^Volume Id\s*: OPENVE_TEST$/m);
    expect(report).toMatch(/^-rw-------\s+1 0\s+0\s+\d+ .*'answer\.toml'$/m);
    expect(report).toMatch(/^-rwxr-xr-x\s+1 0\s+0\s+\d+ .*'first-boot'$/m);
    const sig = parseBootSignature(report);
    expect(sig).toEqual(parseBootSignature(await xorrisoReport(inIso)));
    expect(sig.elTorito).toEqual(['BIOS /boot/grub/i386-pc/eltorito.img', 'UEFI /efi.img']);
    expect(sig.systemArea).toMatch(/MBR .*GPT/);
    expect(sig.gptPartitions).toContain('EFI boot partition /efi.img');

    // contents, byte for byte
    const x = join(dir, 'extract');
    mkdirSync(x);
    await runner.run(['xorriso', '-osirrox', 'on', '-indev', out, '-extract', '/openve', x]);
    expect(readFileSync(join(x, 'answer.toml'), 'utf8')).toBe(ANSWER);
    expect(readFileSync(join(x, 'first-boot'), 'utf8')).toBe(HOOK);
    expect(statSync(join(x, 'first-boot')).mode & 0o777).toBe(0o755);
    // the input is untouched
    expect(await xorrisoReport(inIso)).toMatch(/Not found in ISO image: '\/openve'/);
  });

  it('re-preparing without a hook replaces the answer and drops the old hook', async () => {
    const first = join(dir, 'out.iso');
    const second = join(dir, 'out2.iso');
    const noHook = join(dir, 'nohook.toml');
    const r = await prepare(first, second, '--answer', noHook);
    expect(r.code).toBe(0);
    const report = await xorrisoReport(second);
    expect(report).toContain("'answer.toml'");
    expect(report).not.toContain("'first-boot'");
  });

  it('--answer-url embeds answer-url.txt (read back by locate) and drops an embedded answer.toml', async () => {
    const out = join(dir, 'url.iso');
    const fp = 'ab'.repeat(32);
    const r = await prepare(
      await bootable(),
      out,
      '--answer-url',
      'https://answers.example.test:8443/a',
      '--cert-fingerprint',
      fp,
    );
    expect(r.err).toBe('');
    expect(r.out).toMatch(/: \/openve\/answer-url\.txt\n/);
    const report = await xorrisoReport(out);
    expect(report).toMatch(/^-rw-r--r--\s+1 0\s+0\s+\d+ .*'answer-url\.txt'$/m);
    expect(report).not.toContain("'answer.toml'");
    expect(report).not.toContain("'first-boot'");
    const x = join(dir, 'extract-url');
    mkdirSync(x);
    await runner.run(['xorriso', '-osirrox', 'on', '-indev', out, '-extract', '/openve', x]);
    expect(parseAnswerUrlFile(readFileSync(join(x, 'answer-url.txt'), 'utf8'))).toEqual({
      ok: true,
      value: {
        url: 'https://answers.example.test:8443/a',
        fingerprint: Array(32).fill('AB').join(':'),
      },
    });
  });

  it('refuses an invalid answer and writes nothing', async () => {
    const out = join(dir, 'never.iso');
    const r = await prepare(inIso, out, '--answer', join(dir, 'bad.toml'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^global\.fqdn: /m);
    expect(r.err).toMatch(/bad\.toml is not a valid answer file; .*never\.iso was not written/);
    expect(r.err).not.toContain('passw0rd-fixture');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a hook the answer does not ask for, a from-iso answer without hook, a non-ISO input, and --out = --in', async () => {
    const out = join(dir, 'never.iso');
    const noHook = join(dir, 'nohook.toml');
    let r = await prepare(
      inIso,
      out,
      '--answer',
      noHook,
      '--on-first-boot',
      join(dir, 'first-boot'),
    );
    expect(r.err).toMatch(
      /^--on-first-boot: the answer file must contain \[first-boot\] source = "from-iso"/m,
    );
    r = await prepare(inIso, out, '--answer', join(dir, 'answer.toml'));
    expect(r.err).toMatch(
      /^first-boot\.source: "from-iso" needs the hook on the ISO: add --on-first-boot SCRIPT$/m,
    );
    writeFileSync(join(dir, 'noshebang'), 'echo hi\n');
    r = await prepare(
      inIso,
      out,
      '--answer',
      join(dir, 'answer.toml'),
      '--on-first-boot',
      join(dir, 'noshebang'),
    );
    expect(r.err).toMatch(/must start with an interpreter line such as #!\/bin\/sh/);
    r = await prepare(join(dir, 'answer.toml'), out, '--answer', noHook);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^--in: .*answer\.toml is not an ISO 9660 image/m);
    r = await prepare(inIso, inIso, '--answer', noHook);
    expect(r.err).toMatch(/^--out: must differ from --in/m);
    r = await capture(() => main(['prepare-iso', '--answer', noHook]));
    expect(r.err).toMatch(
      /^--in: required \(usage: prepare-iso --in ISO \(--answer A \| --answer-url URL .*\)\n--out: required/,
    );
    r = await prepare(inIso, out, '--answer', noHook, '--answer-url', 'https://h/a');
    expect(r.err).toBe('--answer-url: give either --answer or --answer-url, not both\n');
    r = await prepare(
      inIso,
      out,
      '--answer-url',
      'http://h/a',
      '--cert-fingerprint',
      'ab'.repeat(32),
    );
    expect(r.err).toBe('--cert-fingerprint: a certificate fingerprint needs an https:// URL\n');
    r = await prepare(inIso, out, '--answer-url', 'ftp://h/a');
    expect(r.err).toBe('--answer-url: expected an http:// or https:// URL, got "ftp://h/a"\n');
    expect(existsSync(out)).toBe(false);
  });

  // its own prepared ISO, so that the boots do not depend on another test having run
  let prepared: string | undefined;
  async function bootable(): Promise<string> {
    if (!prepared) {
      const out = join(dir, 'boot.iso');
      const r = await prepare(
        inIso,
        out,
        '--answer',
        join(dir, 'answer.toml'),
        '--on-first-boot',
        join(dir, 'first-boot'),
      );
      expect(r.code).toBe(0);
      prepared = out;
    }
    return prepared;
  }

  // GRUB on the prepared ISO reports what it sees on the medium over the serial port, then halts.
  async function boot(firmware: 'bios' | 'uefi', as: 'cdrom' | 'disk'): Promise<string> {
    const argv = [
      'qemu-system-x86_64',
      '-accel',
      'tcg',
      '-m',
      '512',
      '-nographic',
      '-no-reboot',
      '-nic',
      'none',
    ];
    if (firmware === 'uefi') {
      const vars = join(dir, `vars-${as}.fd`);
      copyFileSync('/usr/share/OVMF/OVMF_VARS_4M.fd', vars);
      argv.push(
        '-drive',
        'if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
        '-drive',
        `if=pflash,format=raw,file=${vars}`,
      );
    }
    const iso = await bootable();
    argv.push(
      ...(as === 'cdrom'
        ? ['-cdrom', iso]
        : ['-drive', `file=${iso},format=raw,if=virtio,readonly=on`]),
    );
    const r = await runner.run(argv, { reject: false, timeoutMs: 280_000 }); // GRUB halts; the cap is for a loaded machine
    return r.stdout.replace(/\r/g, '');
  }

  for (const firmware of ['bios', 'uefi'] as const) {
    for (const as of ['cdrom', 'disk'] as const) {
      it.skipIf(!qemu || (firmware === 'uefi' && !ovmf))(
        `the prepared ISO boots on ${firmware} as ${as} and GRUB sees the answer`,
        async () => {
          const serial = await boot(firmware, as);
          expect(serial).toContain('OPENVE-PROBE answer=present');
          expect(serial).toContain('OPENVE-PROBE hook=present');
        },
      );
    }
  }
});
