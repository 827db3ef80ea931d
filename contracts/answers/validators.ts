// Field validators shared by the answer-file schema and the interactive UI, so both say exactly
// the same thing. Each returns null when the value is valid, else the message (without the field
// name: callers print `path: message`). Messages never echo secrets.
import ipaddr from 'ipaddr.js';
import { COUNTRY_CODES, KEYBOARD_IDS, timeZones } from './locales.ts';
import { didYouMean } from './suggest.ts';

export type Validator = (value: string) => string | null;

/** A value quoted for a message, shortened so one bad field cannot flood the output. */
export function quote(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return `'${[...shown].map((c) => (isControl(c) ? '?' : c)).join('')}'`;
}

function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

// ---------- names ----------

const LABEL_CHARS = /^[A-Za-z0-9-]+$/;

/** One RFC 1123 label: 1-63 letters, digits and hyphens, not starting or ending with a hyphen. */
function labelProblem(label: string): string | null {
  if (label.length === 0) return 'has an empty label (two dots in a row, or a leading/trailing dot)';
  if (label.length > 63) return `label ${quote(label)} is longer than 63 characters`;
  if (!LABEL_CHARS.test(label)) return `label ${quote(label)} may only contain letters, digits and '-'`;
  if (label.startsWith('-') || label.endsWith('-')) return `label ${quote(label)} must not start or end with '-'`;
  return null;
}

/** A bare host name (one label), e.g. 'node1'. */
export function validateHostname(value: string): string | null {
  if (value.includes('.')) return `${quote(value)} is a host name without dots (e.g. 'node1')`;
  const p = labelProblem(value);
  if (p) return `${quote(value)} is not a valid host name: ${p}`;
  if (/^[0-9]+$/.test(value)) return `${quote(value)} is not a valid host name: it cannot be purely numeric`;
  return null;
}

function nameProblem(value: string): string | null {
  if (value.length > 253) return `is longer than 253 characters (${value.length})`;
  for (const label of value.split('.')) {
    const p = labelProblem(label);
    if (p) return p;
  }
  return null;
}

/** A fully qualified domain name: host name plus domain, e.g. 'node1.example.com'. */
export function validateFqdn(value: string): string | null {
  if (value === '') return `must not be empty; give a fully qualified domain name like 'node1.example.com'`;
  const p = nameProblem(value);
  if (p) return `${quote(value)} is not a valid FQDN: ${p}`;
  if (!value.includes('.')) {
    return `${quote(value)} is not a fully qualified domain name: it needs a domain, e.g. '${value}.example.com'`;
  }
  if (/^[0-9]+$/.test(value.split('.')[0]!)) {
    return `${quote(value)} is not a valid FQDN: the host name part cannot be purely numeric`;
  }
  return null;
}

/** A DNS domain, e.g. 'example.com' or 'lan'. */
export function validateDomain(value: string): string | null {
  if (value === '') return `must not be empty; give a domain like 'example.com'`;
  const p = nameProblem(value);
  return p ? `${quote(value)} is not a valid domain: ${p}` : null;
}

// ---------- IP ----------

export type IpFamily = 'ipv4' | 'ipv6';

/** Parses an IPv4 (dotted quad, no leading zeros or shorthand) or IPv6 address (no zone id). */
export function parseIp(value: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return ipaddr.IPv4.parse(value);
  if (value.includes(':') && !value.includes('%') && ipaddr.IPv6.isValid(value)) return ipaddr.IPv6.parse(value);
  return null;
}

export function validateIp(value: string): string | null {
  if (parseIp(value)) return null;
  if (value.includes('/')) return `${quote(value)} is not an IP address: give the address without a prefix length`;
  return `${quote(value)} is not a valid IPv4 or IPv6 address (e.g. '192.168.1.1' or '2001:db8::1')`;
}

/** A host IP for DNS/gateway use: valid, and not unspecified, multicast or broadcast. */
export function validateHostIp(value: string): string | null {
  const problem = validateIp(value);
  if (problem) return problem;
  const range = parseIp(value)!.range();
  if (range === 'unspecified' || range === 'multicast' || range === 'broadcast') {
    return `${quote(value)} is a ${range} address, not a host address`;
  }
  return null;
}

export interface ParsedCidr {
  address: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
  family: IpFamily;
}

export function parseCidr(value: string): ParsedCidr | null {
  const slash = value.indexOf('/');
  if (slash < 0) return null;
  const address = parseIp(value.slice(0, slash));
  const prefixText = value.slice(slash + 1);
  if (!address || !/^[0-9]{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  const family = address.kind();
  if (prefix > (family === 'ipv4' ? 32 : 128)) return null;
  return { address, prefix, family };
}

/** The host address with its prefix length, e.g. '192.168.1.10/24' or '2001:db8::10/64'. */
export function validateCidr(value: string): string | null {
  const slash = value.indexOf('/');
  if (slash < 0) {
    return `${quote(value)} has no prefix length; write the address with it, e.g. '192.168.1.10/24'`;
  }
  const address = parseIp(value.slice(0, slash));
  if (!address) return `${quote(value)}: ${quote(value.slice(0, slash))} is not a valid IPv4 or IPv6 address`;
  const max = address.kind() === 'ipv4' ? 32 : 128;
  const prefixText = value.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return `${quote(value)}: prefix length must be a number from 1 to ${max}`;
  }
  const prefix = Number(prefixText);
  if (prefix === 0) return `${quote(value)}: prefix length must be a number from 1 to ${max}`;
  const range = address.range();
  if (range === 'unspecified' || range === 'multicast' || range === 'broadcast' || range === 'loopback') {
    return `${quote(value)} is a ${range} address, not a host address`;
  }
  if (address.kind() === 'ipv4' && prefix <= 30) {
    const net = ipaddr.IPv4.networkAddressFromCIDR(value).toString();
    const bcast = ipaddr.IPv4.broadcastAddressFromCIDR(value).toString();
    const host = address.toString();
    if (host === net) return `${quote(value)} is the network address of the subnet, not a host address`;
    if (host === bcast) return `${quote(value)} is the broadcast address of the subnet, not a host address`;
  }
  return null;
}

/**
 * The gateway must be a host in the subnet of `cidr` (same family) and not the address itself.
 * IPv6 link-local gateways (fe80::/10) are allowed: routers commonly advertise those.
 */
export function validateGateway(gateway: string, cidr: string): string | null {
  const ipProblem = validateHostIp(gateway);
  if (ipProblem) return ipProblem;
  const net = parseCidr(cidr);
  if (!net || validateCidr(cidr)) return null; // cidr reports its own problem
  const gw = parseIp(gateway)!;
  if (gw.kind() !== net.family) {
    return `${quote(gateway)} is ${gw.kind() === 'ipv4' ? 'IPv4' : 'IPv6'} but the address ${quote(cidr)} is ${net.family === 'ipv4' ? 'IPv4' : 'IPv6'}`;
  }
  if (gw.toNormalizedString() === net.address.toNormalizedString()) {
    return `${quote(gateway)} is the host's own address; the gateway must be another host in ${subnetOf(net)}`;
  }
  if (gw.kind() === 'ipv6' && gw.range() === 'linkLocal') return null;
  if (!gw.match(net.address, net.prefix)) {
    return `${quote(gateway)} is not inside the subnet ${subnetOf(net)} of ${quote(cidr)}`;
  }
  if (net.family === 'ipv4' && net.prefix <= 30) {
    const text = `${net.address.toString()}/${net.prefix}`;
    if (gw.toString() === ipaddr.IPv4.networkAddressFromCIDR(text).toString()) {
      return `${quote(gateway)} is the network address of ${subnetOf(net)}, not a host`;
    }
    if (gw.toString() === ipaddr.IPv4.broadcastAddressFromCIDR(text).toString()) {
      return `${quote(gateway)} is the broadcast address of ${subnetOf(net)}, not a host`;
    }
  }
  return null;
}

function subnetOf(net: ParsedCidr): string {
  const text = `${net.address.toString()}/${net.prefix}`;
  const network =
    net.family === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(text).toString()
      : ipaddr.IPv6.networkAddressFromCIDR(text).toString();
  return `${network}/${net.prefix}`;
}

// ---------- contact, locale ----------

// Proxmox's check (proxmox-installer-common email_validate), so what Proxmox accepts we accept.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function validateEmail(value: string): string | null {
  if (value.length > 254 || !EMAIL.test(value)) {
    return `${quote(value)} does not look like an e-mail address (user@domain.tld)`;
  }
  return null;
}

export function validateTimezone(value: string): string | null {
  const zones = timeZones();
  if (zones.has(value)) return null;
  return `unknown time zone ${quote(value)}${didYouMean(value, zones)}; use an IANA name like 'Europe/Vienna' or 'UTC'`;
}

export function validateKeyboard(value: string): string | null {
  if (KEYBOARD_IDS.includes(value)) return null;
  return `unknown keyboard layout ${quote(value)}${didYouMean(value, KEYBOARD_IDS)}; valid: ${KEYBOARD_IDS.join(', ')}`;
}

export function validateCountry(value: string): string | null {
  if (COUNTRY_CODES.includes(value)) return null;
  if (COUNTRY_CODES.includes(value.toLowerCase())) return `${quote(value)} must be lower case: '${value.toLowerCase()}'`;
  return `unknown country code ${quote(value)}; use an ISO 3166-1 alpha-2 code in lower case, e.g. 'at', 'de', 'us'`;
}

// ---------- secrets ----------

export const ROOT_PASSWORD_MIN_LENGTH = 8;

/** A plaintext root password. The message never contains the password. */
export function validatePassword(value: string): string | null {
  const length = [...value].length;
  if (length < ROOT_PASSWORD_MIN_LENGTH) {
    return `must be at least ${ROOT_PASSWORD_MIN_LENGTH} characters long (has ${length})`;
  }
  if ([...value].some(isControl)) return 'must not contain control characters (newline, tab, ...)';
  return null;
}

const CRYPT_B64 = '[./0-9A-Za-z]';
const CRYPT_SCHEMES: { prefix: string; name: string; re: RegExp }[] = [
  { prefix: '$y$', name: 'yescrypt', re: new RegExp(`^\\$y\\$${CRYPT_B64}+\\$${CRYPT_B64}*\\$${CRYPT_B64}{43}$`) },
  {
    prefix: '$6$',
    name: 'SHA-512',
    re: new RegExp(`^\\$6\\$(rounds=[0-9]{1,9}\\$)?[^$:\\s]{1,16}\\$${CRYPT_B64}{86}$`),
  },
  {
    prefix: '$5$',
    name: 'SHA-256',
    re: new RegExp(`^\\$5\\$(rounds=[0-9]{1,9}\\$)?[^$:\\s]{1,16}\\$${CRYPT_B64}{43}$`),
  },
];

/** A crypt(3) hash for /etc/shadow: yescrypt ($y$), SHA-512 ($6$) or SHA-256 ($5$). */
export function validateCryptHash(value: string): string | null {
  const scheme = CRYPT_SCHEMES.find((s) => value.startsWith(s.prefix));
  if (!scheme) {
    return `not a supported crypt(3) hash: it must start with $y$ (yescrypt), $6$ (SHA-512) or $5$ (SHA-256); create one with 'mkpasswd -m yescrypt'`;
  }
  if (!scheme.re.test(value)) {
    return `malformed ${scheme.name} crypt hash: expected ${scheme.prefix}<salt>$<hash> as printed by 'mkpasswd'`;
  }
  return null;
}

/** Pre-shared cluster token: long enough to be a secret, printable, no whitespace. */
export function validateToken(value: string): string | null {
  if (value.length < 16) return `must be at least 16 characters long (has ${value.length})`;
  if (!/^[\x21-\x7e]+$/.test(value)) return 'may only contain printable ASCII characters without spaces';
  return null;
}

// ---------- SSH keys ----------

const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(): Buffer | null {
    if (this.offset + 4 > this.buf.length) return null;
    const len = this.buf.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + len > this.buf.length) return null;
    this.offset = start + len;
    return this.buf.subarray(start, start + len);
  }
  get done(): boolean {
    return this.offset === this.buf.length;
  }
}

function keyBlobProblem(type: string, blob: Buffer): string | null {
  const r = new Reader(blob);
  const embedded = r.bytes();
  if (!embedded) return 'the key data is truncated';
  if (embedded.toString('latin1') !== type) {
    return `the key data is a '${embedded.toString('latin1').slice(0, 40)}' key but the line says '${type}'`;
  }
  const field = (): Buffer | null => r.bytes();
  switch (type) {
    case 'ssh-ed25519':
    case 'sk-ssh-ed25519@openssh.com': {
      const pk = field();
      if (!pk || pk.length !== 32) return 'the Ed25519 public key must be 32 bytes';
      if (type.startsWith('sk-') && !field()) return 'the key data is truncated (missing application)';
      break;
    }
    case 'ssh-rsa': {
      const e = field();
      const n = field();
      if (!e || !n || e.length === 0 || n.length === 0) return 'the key data is truncated';
      let bits = n.length * 8;
      for (let i = 0; i < n.length && n[i] === 0; i++) bits -= 8;
      const first = n.find((b) => b !== 0) ?? 0;
      bits -= Math.clz32(first) - 24;
      if (bits < 1024) return `RSA keys need at least 1024 bits (this one has ${bits}); OpenSSH refuses shorter keys`;
      break;
    }
    default: {
      // ecdsa-sha2-nistpNNN and sk-ecdsa-sha2-nistp256@openssh.com
      const curve = field();
      const expected = /nistp(256|384|521)/.exec(type)![0];
      if (!curve || curve.toString('latin1') !== expected) return `the key data does not name the curve ${expected}`;
      const q = field();
      if (!q || q.length === 0) return 'the key data is truncated';
      if (type.startsWith('sk-') && !field()) return 'the key data is truncated (missing application)';
    }
  }
  if (!r.done) return 'the key data has trailing bytes';
  return null;
}

/** One OpenSSH public key line: `<type> <base64 key data> [comment]`, as in id_ed25519.pub. */
export function validateSshPublicKey(value: string): string | null {
  if (/[\r\n]/.test(value.trim())) return 'must be a single line (one key per array element)';
  const parts = value.trim().split(/[ \t]+/);
  const [type, data] = parts;
  if (!type) return `must not be empty; give a key line like 'ssh-ed25519 AAAAC3Nza... user@host'`;
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) {
    if (parts.some((p) => (SSH_KEY_TYPES as readonly string[]).includes(p))) {
      return `authorized_keys options are not supported: give '<type> <key data> [comment]' only`;
    }
    if (type === 'ssh-dss') return 'DSA (ssh-dss) keys are not accepted by current OpenSSH; use an ssh-ed25519 key';
    // The unknown word is not echoed: a password pasted here by mistake must not reach a log.
    return `unknown key type${didYouMean(type, SSH_KEY_TYPES)}; a key line starts with one of ${SSH_KEY_TYPES.join(', ')}`;
  }
  if (!data) return `the ${type} key has no key data: expected '${type} AAAA... [comment]'`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0) {
    return `the ${type} key data is not valid base64`;
  }
  const problem = keyBlobProblem(type, Buffer.from(data, 'base64'));
  return problem ? `not a valid ${type} public key: ${problem}` : null;
}

// ---------- URLs, certificates, NICs ----------

export function validateUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${quote(value)} is not a valid URL; give an http:// or https:// URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${quote(value)} must be an http:// or https:// URL`;
  }
  if (!url.hostname) return `${quote(value)} has no host name`;
  return null;
}

/** SHA-256 certificate fingerprint: 32 bytes in hex, with or without ':' between the bytes. */
export function validateCertFingerprint(value: string): string | null {
  if (/^[0-9a-fA-F]{64}$/.test(value) || /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){31}$/.test(value)) return null;
  return `${quote(value)} is not a SHA-256 fingerprint: expected 32 hex bytes, e.g. 'AB:CD:...' (as printed by 'openssl x509 -noout -fingerprint -sha256')`;
}

/** A MAC address, 'aa:bb:cc:dd:ee:ff' (either case). */
export function validateMac(value: string): string | null {
  if (/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(value)) return null;
  return `${quote(value)} is not a MAC address (expected 'aa:bb:cc:dd:ee:ff')`;
}

/** A pinned interface name: Proxmox's rule (pve-iface): 2-15 chars, a letter first, then [a-z0-9_]. */
export function validateInterfaceName(value: string): string | null {
  if (value.length < 2) return `interface name ${quote(value)} must be at least 2 characters long`;
  if (value.length > 15) return `interface name ${quote(value)} cannot be longer than 15 characters`;
  if (!/^[a-z][a-z0-9_]{1,20}([:.][0-9]+)?$/i.test(value)) {
    return `interface name ${quote(value)} must start with a letter and contain only letters, digits and underscores`;
  }
  return null;
}

/** `/dev/sda` -> `sda`: Proxmox matches disk-list entries against the end of /dev paths, so both work. */
export function diskKernelName(value: string): string {
  return value.startsWith('/dev/') ? value.slice('/dev/'.length) : value;
}

/** A disk as named in `disk-list`: the kernel name, e.g. 'sda', 'nvme0n1', 'vda' (or '/dev/sda'). */
export function validateDiskName(value: string): string | null {
  const name = diskKernelName(value);
  if (name.includes('/')) {
    return `${quote(value)}: give the kernel name ('sda', 'nvme0n1') or /dev/<name>; for a stable choice use filter.ID_SERIAL or filter.ID_WWN instead of /dev/disk/by-* links`;
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:!+-]*$/.test(name) || name.length > 64) {
    return `${quote(value)} is not a disk name; use kernel names like 'sda', 'nvme0n1' or 'vda'`;
  }
  return null;
}

/** corosync cluster name, as pvecm allows: 1-15 letters, digits and '-'. */
export function validateClusterName(value: string): string | null {
  if (!/^[A-Za-z0-9-]{1,15}$/.test(value)) {
    return `${quote(value)} is not a valid cluster name: 1-15 letters, digits and '-'`;
  }
  return null;
}
