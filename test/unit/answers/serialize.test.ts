import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { parseAnswers } from '../../../installer/answers/parse.ts';
import {
  serializeAnswers,
  redactAnswerText,
  REDACTED,
} from '../../../installer/answers/serialize.ts';
import type { Answers } from '../../../contracts/answers/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PASSWORD = 'passw0rd-fixture';
const HASH =
  '$6$saltsalt$Baam44WG9lf42tAxOY0Zd0yPf4a5cCr/2VqiHU18zW4Kn7ICuD6B9jRyIBVvHPYhY6H76TQXPD4CKUdG9xLOr/';
const hashPassword = (plain: string) => (plain === PASSWORD ? HASH : '$5$x$' + 'a'.repeat(43));

function parsed(text: string): Answers {
  const r = parseAnswers(text);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

const FULL = `
[global]
keyboard = "de-ch"
country = "ch"
fqdn = "pve1.lab.example.com"
mailto = "ops@example.com"
timezone = "Europe/Zurich"
root-password = "${PASSWORD}"
root-ssh-keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINg/5auAsHigk8P3vcCCNxUrf77LCfMEvpsH8XEYYAwa root@vm"]
reboot-on-error = true
reboot-mode = "power-off"

[network]
source = "from-answer"
cidr = "10.0.0.5/24"
gateway = "10.0.0.1"
dns = "10.0.0.53"
filter.ID_NET_NAME_MAC = "*126f*"
vlan = 42
bond = { mode = "active-backup", filter = { ID_NET_DRIVER = "ixgbe" } }

[network.interface-name-pinning]
enabled = true
mapping = { "24:8A:07:1E:05:BC" = "lan0" }

[disk-setup]
filesystem = "btrfs"
btrfs.raid = "raid1"
btrfs.compress = "zstd"
filter.ID_MODEL = "Micron*"
filter-match = "all"

[first-boot]
source = "from-url"
url = "https://deploy.example.com/fb.sh"
ordering = "network-online"

[post-installation-webhook]
url = "https://deploy.example.com/hook"
cert-fingerprint = "${'ab'.repeat(32)}"
auth-token = "webhook-token-secret"

[cluster]
mode = "create"
name = "lab"
token = "fleet-token-0123456789"
`;

describe('serializeAnswers', () => {
  const files = {
    example: readFileSync(path.join(root, 'examples/answer.toml'), 'utf8'),
    full: FULL,
    proxmoxDhcp: readFileSync(
      path.join(
        root,
        'test/fixtures/answers/proxmox/test-fqdn-from-dhcp-no-dhcp-domain-with-default-domain.toml',
      ),
      'utf8',
    ),
    proxmoxHashed: readFileSync(
      path.join(root, 'test/fixtures/answers/proxmox/test-hashed-root-password.toml'),
      'utf8',
    ),
    lvm: readFileSync(path.join(root, 'examples/answer.toml'), 'utf8').replace(
      'lvm.swapsize = 1',
      'lvm.swapsize = 1.5\nlvm.hdsize = 64\nlvm.maxroot = 20\nlvm.maxvz = 30\nlvm.minfree = 0',
    ),
  };

  it.each(Object.entries(files))(
    '%s: parses back to the same answers, password as a hash',
    (_, text) => {
      const answers = parsed(text);
      const toml = serializeAnswers(answers, { hashPassword });
      const again = parsed(toml);
      const expected: Answers = {
        ...answers,
        global: {
          ...answers.global,
          rootPassword:
            answers.global.rootPassword.kind === 'plain'
              ? { kind: 'hashed', hash: hashPassword(answers.global.rootPassword.value) }
              : answers.global.rootPassword,
        },
      };
      expect(again).toEqual(expected);
      expect(toml).not.toContain(PASSWORD);
      expect(serializeAnswers(again)).toBe(toml); // stable
    },
  );

  it('needs a hasher for a plaintext password', () => {
    expect(() => serializeAnswers(parsed(FULL))).toThrow('hashPassword');
  });

  it('writes Proxmox kebab-case keys', () => {
    const toml = serializeAnswers(parsed(FULL), { hashPassword });
    const doc = parseToml(toml) as Record<string, Record<string, unknown>>;
    expect(Object.keys(doc)).toEqual([
      'global',
      'network',
      'disk-setup',
      'first-boot',
      'post-installation-webhook',
      'cluster',
    ]);
    expect(doc.global!['root-password-hashed']).toBe(HASH);
    expect(doc['disk-setup']!['filter-match']).toBe('all');
  });
});

describe('redactAnswerText', () => {
  it('replaces password and tokens, keeps comments and layout', () => {
    const text = `# my answer\n[global]\nroot-password = "${PASSWORD}" # do not share\nkeyboard = "de"\n\n[cluster]\nmode = "join"\nmaster = "10.0.0.2"\ntoken = "fleet-token-0123456789"\n\n[post-installation-webhook]\nurl = "https://x.example.com"\nauth-token = 'webhook-token-secret'\n`;
    const out = redactAnswerText(text);
    expect(out).toBe(
      `# my answer\n[global]\nroot-password = "${REDACTED}"\nkeyboard = "de"\n\n[cluster]\nmode = "join"\nmaster = "10.0.0.2"\ntoken = "${REDACTED}"\n\n[post-installation-webhook]\nurl = "https://x.example.com"\nauth-token = "${REDACTED}"\n`,
    );
  });

  it('handles the old spelling and dotted keys', () => {
    expect(redactAnswerText(`[global]\nroot_password = "${PASSWORD}"\n`)).toBe(
      `[global]\nroot_password = "${REDACTED}"\n`,
    );
    expect(
      redactAnswerText(
        `global.root-password = "${PASSWORD}"\ncluster."token" = "abc-secret-token-1234"\n`,
      ),
    ).toBe(`global.root-password = "${REDACTED}"\ncluster."token" = "${REDACTED}"\n`);
  });

  it('re-serializes when a secret sits in an inline table or a multi-line string', () => {
    for (const text of [
      `global = { keyboard = "de", root-password = "${PASSWORD}" }\n`,
      `[global]\nroot-password = """\n${PASSWORD}"""\n`,
      `[global]\nroot-password = """${PASSWORD.slice(0, 5)}\n${PASSWORD.slice(5)}"""\n`,
    ]) {
      const out = redactAnswerText(text);
      expect(out, text).not.toContain(PASSWORD.slice(5));
      expect((parseToml(out) as { global: Record<string, string> }).global['root-password']).toBe(
        REDACTED,
      );
    }
  });

  it('drops password and token lines of text that is not TOML', () => {
    const out = redactAnswerText(
      `[global\nroot-password = "${PASSWORD}\nkeyboard = "de"\nmy token: abc\n`,
    );
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain('abc');
    expect(out).toContain('keyboard = "de"');
  });

  it('leaves a file without secrets as it is', () => {
    const text = readFileSync(
      path.join(root, 'test/fixtures/answers/proxmox/test-hashed-root-password.toml'),
      'utf8',
    );
    expect(redactAnswerText(text)).toBe(text);
  });
});
