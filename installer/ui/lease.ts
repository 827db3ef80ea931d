// The live system's current network configuration (the DHCP lease the ISO got), read from
// `ip -j addr` / `ip -j route` and resolv.conf, to prefill the network screen. Parsing is pure.
import type { CommandRunner } from '../../lib/exec/index.ts';
import { parseIpAddr, parseIpRoute, type IpAddr, type IpRoute } from '../../lib/parse/ip.ts';
import type { NicInfo } from '../../contracts/hardware/types.ts';
import type { NetworkLease } from './wizard/values.ts';


export function parseLease(
  addrJson: string,
  routeJson: string,
  resolvConf: string,
  nics: readonly NicInfo[],
  hostname?: string,
): NetworkLease | null {
  let addrs: IpAddr[];
  let routes: IpRoute[];
  try {
    addrs = parseIpAddr(addrJson);
    routes = parseIpRoute(routeJson);
  } catch {
    return null;
  }
  const known = new Set(nics.map((n) => n.name));
  const def = routes.find((r) => r.dst === 'default' && r.dev && known.has(r.dev));
  const dev =
    def?.dev ??
    addrs.find(
      (a) =>
        a.ifname &&
        known.has(a.ifname) &&
        a.addrs.some((i) => i.family === 'inet' && i.scope === 'global'),
    )?.ifname;
  if (!dev) return null;
  const inet = addrs
    .find((a) => a.ifname === dev)
    ?.addrs.find((i) => i.family === 'inet' && i.local && i.scope !== 'host');
  if (!inet?.local || inet.prefixlen === undefined) return null;
  // A loopback resolver (systemd-resolved's 127.0.0.53 stub) does not exist on the installed node.
  const dns = [...resolvConf.matchAll(/^nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)]
    .map((m) => m[1])
    .find((ip) => ip !== undefined && !ip.startsWith('127.'));
  // systemd-resolved writes `search .` when DHCP gave no domain: that is no domain at all.
  const domain = /^(?:search|domain)\s+(\S+)/m.exec(resolvConf)?.[1]?.replace(/^\.+|\.+$/g, '') || undefined;
  return {
    nic: dev,
    cidr: `${inet.local}/${inet.prefixlen}`,
    ...(def?.gateway ? { gateway: def.gateway } : {}),
    ...(dns ? { dns } : {}),
    ...(domain ? { domain } : {}),
    ...(hostname ? { hostname } : {}),
  };
}

export async function probeLease(
  runner: CommandRunner,
  nics: readonly NicInfo[],
): Promise<NetworkLease | null> {
  try {
    const [addr, route] = await Promise.all([
      runner.run(['ip', '-j', 'addr'], { reject: false, timeoutMs: 3000 }),
      runner.run(['ip', '-j', 'route'], { reject: false, timeoutMs: 3000 }),
    ]);
    const { existsSync, readFileSync } = await import('node:fs');
    const { hostname } = await import('node:os');
    let resolv = '';
    try {
      // systemd-resolved (the live ISO) keeps the upstream servers here; /etc/resolv.conf has its stub.
      const upstream = '/run/systemd/resolve/resolv.conf';
      resolv = readFileSync(existsSync(upstream) ? upstream : '/etc/resolv.conf', 'utf8');
    } catch {
      // no resolver configured: DNS stays empty
    }
    return parseLease(addr.stdout, route.stdout, resolv, nics, hostname().split('.')[0]);
  } catch {
    return null;
  }
}
