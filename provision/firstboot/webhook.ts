// The post-installation webhook ([post-installation-webhook]): one JSON POST describing the new
// node, in the spirit of Proxmox's (schema, fqdn, machine-id, kernel, NICs, SSH host keys), plus
// the first-boot hook's result and the cluster role. The certificate is pinned when configured.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchPinned, safeUrl } from '../../lib/net/pinned.ts';
import type { NodeConfig } from '../../contracts/node/types.ts';
import type { Logger } from './log.ts';

export const WEBHOOK_SCHEMA_VERSION = '1.0';

export interface WebhookBody {
  schema: { version: string };
  product: { name: 'openve'; version: string };
  fqdn: string;
  machine_id: string | null;
  debian_version: string | null;
  kernel_version: { sysname: string; release: string; version: string; machine: string };
  management_interface: string;
  network_interfaces: { name: string; mac: string; addresses: string[] }[];
  ssh_public_host_keys: Record<string, string>;
  first_boot: { source: string; ordering: string; exit_code: number | null; error?: string } | null;
  cluster: { mode: 'create' | 'join'; name?: string; master?: string } | null;
  /** the answer's auth-token, echoed so the receiver can tell its own installs apart (as Proxmox) */
  token?: string;
}

const readTrim = (file: string): string | null =>
  existsSync(file) ? readFileSync(file, 'utf8').trim() : null;

export function buildWebhookBody(
  root: string,
  node: NodeConfig,
  firstBoot: WebhookBody['first_boot'],
  version = '0.1.0',
): WebhookBody {
  const keys: Record<string, string> = {};
  for (const kind of ['ecdsa', 'ed25519', 'rsa']) {
    const k = readTrim(path.join(root, `etc/ssh/ssh_host_${kind}_key.pub`));
    if (k) keys[kind] = k;
  }
  const nics = Object.entries(os.networkInterfaces())
    .filter(([name]) => name !== 'lo')
    .map(([name, addrs]) => ({
      name,
      mac: addrs?.[0]?.mac ?? '',
      addresses: (addrs ?? []).map((a) => a.cidr ?? a.address),
    }));
  const cluster = node.cluster
    ? node.cluster.mode === 'create'
      ? { mode: 'create' as const, name: node.cluster.name } // never the token
      : { mode: 'join' as const, master: node.cluster.master }
    : null;
  return {
    schema: { version: WEBHOOK_SCHEMA_VERSION },
    product: { name: 'openve', version },
    fqdn: node.fqdn ?? os.hostname(),
    machine_id: readTrim(path.join(root, 'etc/machine-id')),
    debian_version: readTrim(path.join(root, 'etc/debian_version')),
    kernel_version: {
      sysname: os.type(),
      release: os.release(),
      version: os.version(),
      machine: os.machine(),
    },
    management_interface: node.managementInterface,
    network_interfaces: nics,
    ssh_public_host_keys: keys,
    first_boot: firstBoot,
    cluster,
    ...(node.webhook?.authToken ? { token: node.webhook.authToken } : {}),
  };
}

export async function postWebhook(
  webhook: NonNullable<NodeConfig['webhook']>,
  body: WebhookBody,
  log: Logger,
  attempts = 5,
  delayMs = 2000,
): Promise<boolean> {
  const text = JSON.stringify(body);
  for (let i = 1; ; i++) {
    try {
      const res = await fetchPinned(webhook.url, {
        method: 'POST',
        body: text,
        headers: { 'content-type': 'application/json' },
        ...(webhook.certFingerprint ? { fingerprint: webhook.certFingerprint } : {}),
        timeoutMs: 30_000,
      });
      log(`webhook: posted to ${safeUrl(webhook.url)}: HTTP ${res.status}`);
      return true;
    } catch (err) {
      const kind = (err as { kind?: string }).kind;
      if (i >= attempts || kind === 'fingerprint' || kind === 'url') {
        log(`webhook: FAILED to post to ${safeUrl(webhook.url)}: ${(err as Error).message}`);
        return false;
      }
      log(`webhook: attempt ${i} failed (${(err as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, delayMs * i));
    }
  }
}
