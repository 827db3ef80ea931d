// The one parser of iproute2's JSON output (`ip -j link`, `ip -j addr`, `ip -j route`).
// Pure; fields the kernel did not report read as empty. Throws SyntaxError on text that is not JSON.
import { num, objectList, str } from './fields.ts';

export interface IpLink {
  ifname: string;
  ifindex: number;
  /** permanent address when the current one was changed (bond slaves), else the address */
  mac: string;
  linkType: string;
  flags: string[];
  operstate: string;
}

export function parseIpLink(text: string): IpLink[] {
  return objectList(text, 'ip -j link').map((l) => ({
    ifname: str(l.ifname),
    ifindex: num(l.ifindex),
    mac: (str(l.permaddr) || str(l.address)).toLowerCase(),
    linkType: str(l.link_type),
    flags: Array.isArray(l.flags) ? l.flags.map(str) : [],
    operstate: str(l.operstate),
  }));
}

export interface IpAddrInfo {
  family: string;
  local: string;
  prefixlen: number | undefined;
  scope: string;
}

export interface IpAddr {
  ifname: string;
  addrs: IpAddrInfo[];
}

export function parseIpAddr(text: string): IpAddr[] {
  return objectList(text, 'ip -j addr').map((a) => ({
    ifname: str(a.ifname),
    addrs: (Array.isArray(a.addr_info) ? a.addr_info : [])
      .filter((i): i is Record<string, unknown> => i !== null && typeof i === 'object')
      .map((i) => ({
        family: str(i.family),
        local: str(i.local),
        prefixlen: typeof i.prefixlen === 'number' ? i.prefixlen : undefined,
        scope: str(i.scope),
      })),
  }));
}

export interface IpRoute {
  dst: string;
  gateway: string;
  dev: string;
  prefsrc: string;
}

export function parseIpRoute(text: string): IpRoute[] {
  return objectList(text, 'ip -j route').map((r) => ({
    dst: str(r.dst),
    gateway: str(r.gateway),
    dev: str(r.dev),
    prefsrc: str(r.prefsrc),
  }));
}
