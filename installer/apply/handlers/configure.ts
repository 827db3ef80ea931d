// Configure the extracted system: rendered files, root password, SSH keys, chroot commands,
// machine-id reset and the first-boot hook. Secrets only ever travel via stdin.
import type { ApplyContext, ApplySecrets, Handler } from '../context.ts';
import { chroot, inTarget, writeEntries, writeFile } from '../context.ts';
import type { ArchiveEntry } from '../archive.ts';
import type { SecretName } from '../../../contracts/plan/types.ts';
import { FIRST_BOOT_HOOK_PATH, FIRST_BOOT_UNITS } from '../../../contracts/node/types.ts';

const PLACEHOLDER = /@@SECRET:([a-z0-9-]+)@@/g;

/** Replace @@SECRET:name@@ with the secret's value; returns the text and the values used (to redact). */
export function substituteSecrets(content: string, secrets: ApplySecrets, where: string): { text: string; used: string[] } {
  const used: string[] = [];
  const text = content.replace(PLACEHOLDER, (_m, name: string) => {
    const value = secretValue(name as SecretName, secrets);
    if (value === undefined) throw new Error(`${where}: the plan needs secret '${name}' but none was given`);
    used.push(value);
    return value;
  });
  return { text, used };
}

function secretValue(name: SecretName, secrets: ApplySecrets): string | undefined {
  switch (name) {
    case 'root-password':
      return secrets.rootPassword?.kind === 'plain' ? secrets.rootPassword.value : undefined;
    case 'cluster-token':
      return secrets.clusterToken;
    case 'webhook-token':
      return secrets.webhookToken;
    default:
      return undefined;
  }
}

export const writeFiles: Handler<'write-files'> = async (step, ctx) => {
  // the link text of a symlink is a path on the new system (/usr/share/zoneinfo/...), never resolved here
  const used: string[] = [];
  const entries = step.files.map((f): ArchiveEntry => {
    if (f.symlink !== undefined) return { path: f.path, mode: '0777', type: 'symlink', target: f.symlink };
    const sub = substituteSecrets(f.content, ctx.secrets, f.path);
    used.push(...sub.used);
    return { path: f.path, mode: f.mode, type: 'file', content: sub.text };
  });
  await writeEntries(ctx, ctx.target, entries, { redact: used });
};

/**
 * Hash on the live system (yescrypt via mkpasswd, else SHA-512 via openssl), plaintext on stdin.
 * Exported for tests; returns a crypt(3) string.
 */
export async function hashPassword(ctx: ApplyContext, plain: string): Promise<string> {
  const attempts: string[][] = [
    ['mkpasswd', '-m', 'yescrypt', '--stdin'],
    ['openssl', 'passwd', '-6', '-stdin'],
  ];
  for (const argv of attempts) {
    const r = await ctx.runner.run(argv, { input: `${plain}\n`, reject: false, redact: [plain], quietOutput: true });
    const hash = r.stdout.trim();
    if (r.exitCode === 0 && /^\$(y|6|5)\$/.test(hash)) return hash;
  }
  throw new Error('cannot hash the root password: neither `mkpasswd -m yescrypt` (whois) nor `openssl passwd -6` worked');
}

export const rootPassword: Handler<'root-password'> = async (step, ctx) => {
  const pw = ctx.secrets.rootPassword;
  if (!pw) throw new Error(`${step.id}: no root password given`);
  const hash = pw.kind === 'hashed' ? pw.hash : await hashPassword(ctx, pw.value);
  const redact = pw.kind === 'plain' ? [pw.value, hash] : [hash];
  await chroot(ctx, ['chpasswd', '-e'], { input: `root:${hash}\n`, redact });
};

export const sshKeys: Handler<'ssh-keys'> = async (step, ctx) => {
  if (step.keys.length === 0) return;
  const home = step.user === 'root' ? '/root' : `/home/${step.user}`;
  await writeEntries(ctx, ctx.target, [
    { path: `${home}/.ssh`, mode: '0700', type: 'dir' },
    { path: `${home}/.ssh/authorized_keys`, mode: '0600', type: 'file', content: step.keys.join('\n') + '\n' },
  ]);
};

export const chrootCommands: Handler<'chroot'> = async (step, ctx) => {
  for (const argv of step.commands) await chroot(ctx, argv);
};

export const machineId: Handler<'machine-id'> = async (_step, ctx) => {
  // empty (not missing): systemd generates a fresh id on first boot and keeps it
  await writeFile(ctx, '/etc/machine-id', '', '0444');
  await ctx.runner.run(['rm', '-f', inTarget(ctx, '/var/lib/dbus/machine-id')]);
};

export const firstBoot: Handler<'first-boot'> = async (step, ctx) => {
  if (step.source === 'none' && !step.webhook) return;
  if (step.source === 'from-iso') {
    if (ctx.firstBootHook) {
      await ctx.runner.run(['install', '-D', '-m', '0755', '-o', '0', '-g', '0', ctx.firstBootHook, inTarget(ctx, FIRST_BOOT_HOOK_PATH)]);
    } else {
      ctx.emit({ type: 'warning', step: step.id, text: 'first-boot source is from-iso but the install medium has no first-boot hook' });
    }
  }
  const unit = FIRST_BOOT_UNITS[step.ordering];
  const dirs = ['/etc/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
  const test = ['test', ...dirs.flatMap((d, i) => [...(i ? ['-o'] : []), '-e', inTarget(ctx, `${d}/${unit}`)])];
  const present = await ctx.runner.run(test, { reject: false });
  if (present.exitCode !== 0) {
    ctx.emit({ type: 'warning', step: step.id, text: `${unit} is not in the payload: the first-boot hook will not run` });
    return;
  }
  await chroot(ctx, ['systemctl', 'enable', unit]);
};
