// The configuration files of the new system (step files:system), rendered from templates/ and
// /etc/openve/node.json for first boot. Secrets never appear: the cluster token is the
// @@SECRET:cluster-token@@ placeholder, substituted when the file is written to the target.
import type { Answers } from '../../contracts/answers/types.ts';
import type { Issue, Result } from '../../lib/errors.ts';
import type { FileSpec } from '../../contracts/plan/types.ts';
import type { NodeConfig } from '../../contracts/node/types.ts';
import type { NetworkPlan } from './network.ts';
import type { FstabEntry } from './storage.ts';
import { FIRST_BOOT_HOOK_PATH, NODE_CONFIG_PATH } from '../../contracts/node/types.ts';
import { KEYBOARDS } from '../../contracts/answers/locales.ts';
import { secretPlaceholder } from '../../contracts/plan/types.ts';
import { hasUrlSecrets } from '../../contracts/answers/url.ts';
import { render, UnsafeTemplateValue } from './render.ts';

/** glibc's built-in locale: needs no locale-gen in the payload (Proxmox uses en_US.UTF-8, generated). */
export const LOCALE = 'C.UTF-8';

export interface NodeName {
  fqdn: string | null;
  hostname: string | null;
  domain: string | null;
}

export function nodeName(answers: Answers): NodeName {
  const f = answers.global.fqdn;
  if (f.source === 'from-dhcp') return { fqdn: null, hostname: null, domain: f.domain ?? null };
  const dot = f.value.indexOf('.');
  return {
    fqdn: f.value,
    hostname: dot === -1 ? f.value : f.value.slice(0, dot),
    domain: dot === -1 ? null : f.value.slice(dot + 1),
  };
}

export function nodeConfig(answers: Answers, net: NetworkPlan, name: NodeName): NodeConfig {
  const fb = answers.firstBoot;
  const config: NodeConfig = {
    version: 1,
    fqdn: name.fqdn,
    mailto: answers.global.mailto,
    managementInterface: net.managementInterface,
    firstBoot: {
      source: fb?.source ?? 'none',
      ordering: fb?.ordering ?? 'fully-up',
      ...(fb?.url !== undefined
        ? { url: hasUrlSecrets(fb.url) ? secretPlaceholder('first-boot-url') : fb.url }
        : {}),
      ...(fb?.certFingerprint !== undefined ? { certFingerprint: fb.certFingerprint } : {}),
      hookPath: FIRST_BOOT_HOOK_PATH,
    },
  };
  if (answers.webhook) {
    config.webhook = {
      url: hasUrlSecrets(answers.webhook.url)
        ? secretPlaceholder('webhook-url')
        : answers.webhook.url,
      ...(answers.webhook.certFingerprint !== undefined
        ? { certFingerprint: answers.webhook.certFingerprint }
        : {}),
      ...(answers.webhook.authToken !== undefined
        ? { authToken: secretPlaceholder('webhook-token') }
        : {}),
    };
  }
  const c = answers.cluster;
  if (c?.mode === 'create') {
    config.cluster = {
      mode: 'create',
      name: c.name,
      ...(c.token !== undefined ? { token: secretPlaceholder('cluster-token') } : {}),
    };
  } else if (c?.mode === 'join') {
    config.cluster = {
      mode: 'join',
      master: c.master,
      ...(c.members?.length ? { members: c.members } : {}),
      token: secretPlaceholder('cluster-token'),
      ...(c.fingerprint !== undefined ? { fingerprint: c.fingerprint } : {}),
    };
  }
  return config;
}

const BOND_HASH_POLICY: Record<string, string> = {
  '802.3ad': 'layer2+3',
  'balance-xor': 'layer2+3',
};

export function systemFiles(
  answers: Answers,
  net: NetworkPlan,
  fstab: FstabEntry[],
  name: NodeName,
): Result<FileSpec[]> {
  const g = answers.global;
  const keyboard = KEYBOARDS[g.keyboard];
  if (!keyboard) return fail('global.keyboard', `unknown keyboard layout '${g.keyboard}'`);
  const file = (path: string, content: string, mode = '0644'): FileSpec => ({
    path,
    mode,
    content,
  });
  try {
    const files: FileSpec[] = [
      file('/etc/hostname', render('hostname', { hostname: name.hostname })),
      file(
        '/etc/hosts',
        render('hosts', {
          fqdn: name.fqdn,
          hostname: name.hostname,
          hostsAddress: net.address ?? '127.0.1.1',
        }),
      ),
      file('/etc/fstab', render('fstab', { entries: fstab })),
      file(
        '/etc/network/interfaces',
        render('interfaces', {
          managementInterface: net.managementInterface,
          bond: net.bond,
          bondSlaves: net.bond ? net.bond.members.join(' ') : null,
          bondHashPolicy: net.bond ? (BOND_HASH_POLICY[net.bond.mode] ?? null) : null,
          bridgePort: net.bridgePort,
          vlan: net.vlan,
          family: net.family,
          method: net.method,
          address: net.address,
          cidr: net.cidr,
          gateway: net.gateway,
          otherNics: net.otherNics,
        }),
      ),
      ...net.pins.map((p) =>
        file(
          `/etc/systemd/network/50-openve-${p.name}.link`,
          render('pin.link', { mac: p.mac, name: p.name }),
        ),
      ),
      file('/etc/resolv.conf', render('resolv.conf', { dns: net.dns, domain: name.domain })),
      // name from DHCP with a fallback domain: dhclient uses it when the server sends no domain
      ...(name.fqdn === null && name.domain !== null
        ? [file('/etc/dhcp/dhclient.conf', render('dhclient.conf', { domain: name.domain }))]
        : []),
      file('/etc/timezone', render('timezone', { timezone: g.timezone })),
      {
        path: '/etc/localtime',
        mode: '0777',
        content: '',
        symlink: `/usr/share/zoneinfo/${g.timezone}`,
      },
      file(
        '/etc/default/keyboard',
        render('keyboard', { id: g.keyboard, layout: keyboard.x11, variant: keyboard.x11Variant }),
      ),
      file('/etc/default/locale', render('locale', { lang: LOCALE })),
      file(
        NODE_CONFIG_PATH,
        JSON.stringify(nodeConfig(answers, net, name), null, 2) + '\n',
        '0600',
      ),
    ];
    return { ok: true, value: files };
  } catch (err) {
    if (err instanceof UnsafeTemplateValue)
      return fail('', `a value would break a configuration file: ${err.message}`);
    throw err;
  }
}

function fail(path: string, message: string): { ok: false; issues: Issue[] } {
  return { ok: false, issues: [{ path, message }] };
}
