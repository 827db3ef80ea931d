// zod schema of the RAW answer file: exactly the TOML as written (Proxmox's kebab-case keys,
// strict tables: unknown keys are errors). Field-level checks live here; checks that relate
// several fields (password xor hash, disk-list xor filter, RAID sizes, network source) are in
// checks.ts; parse.ts runs both and normalizes the result into `Answers`.
// Proxmox reference: proxmox-installer-types/src/answer.rs (AutoInstallerConfig).
// zod/mini (same zod 4 core, functional API): it builds and loads faster, which the validate
// start-up budget needs; messages come from issues.ts's error map, not zod's locales.
import * as z from 'zod/mini';
import * as v from './validators.ts';
import { KEYBOARD_IDS } from './locales.ts';
import { SIZE_MINIMA_GIB } from './limits.ts';
import { didYouMean } from './suggest.ts';

/** `[cluster] members`: more members a joiner may ask besides the master */
export const MAX_JOIN_MEMBERS = 16;

export const SUPPORTED_FILESYSTEMS = ['ext4', 'xfs', 'btrfs'] as const;

/** A string checked by one of the shared validators (same message as the UI). */
function checked(validator: v.Validator, description?: string) {
  const check = z.superRefine((value: string, ctx) => {
    const message = validator(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
  return description ? z.string().check(check, z.meta({ description })) : z.string().check(check);
}

const opt = z.optional;
const described = <T extends z.ZodMiniType>(schema: T, description: string): T =>
  schema.check(z.meta({ description })) as T;

/** Case-insensitive enum written as a pattern, so the JSON Schema says the same thing. */
function caseInsensitive(values: readonly string[]) {
  const pattern = values
    .map((value) =>
      [...value]
        .map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c))
        .join(''),
    )
    .join('|');
  return z.string().check(
    z.regex(new RegExp(`^(${pattern})$`), {
      error: (iss) =>
        `${v.quote(String(iss.input))} is not valid; expected one of ${values.join(', ')} (any case)`,
    }),
  );
}

export const UDEV_PROPERTY = /^[A-Za-z0-9_]+$/;

/** udev property -> glob, e.g. filter.ID_SERIAL = "S2HR*" */
export const udevFilter = described(
  z.record(
    z.string(),
    z
      .string()
      .check(z.minLength(1, { error: 'the glob must not be empty (use "*" to match anything)' })),
  ),
  'udev property name -> glob pattern, e.g. ID_SERIAL = "S2HRNX*"',
);

export const BTRFS_RAID_LEVELS = ['raid0', 'raid1', 'raid10'] as const;
export const ZFS_RAID_LEVELS = [
  'raid0',
  'raid1',
  'raid10',
  'raidz-1',
  'raidz-2',
  'raidz-3',
] as const;
export const BOND_MODES = [
  'active-backup',
  'balance-rr',
  'balance-xor',
  'broadcast',
  '802.3ad',
  'balance-tlb',
  'balance-alb',
] as const;

/** A size in GiB with the planner's minimum (limits.ts), worded as the planner words it. */
const gib = (min: number, what: string) =>
  z.number().check(
    z.gte(min, {
      error: (iss) => `${String(iss.input)} GiB is too small: ${what} needs at least ${min} GiB`,
    }),
  );
const num = (min: number, max?: number) =>
  z.number().check(...(max === undefined ? [z.gte(min)] : [z.gte(min), z.lte(max)]));
const int = (min: number, max?: number) =>
  z.int().check(...(max === undefined ? [z.gte(min)] : [z.gte(min), z.lte(max)]));

const fqdnFromDhcp = z.strictObject({
  source: opt(described(z.enum(['from-dhcp']), 'where the FQDN comes from (default from-dhcp)')),
  domain: opt(described(z.string(), 'domain to use when the DHCP server sends none')),
});

export const globalSchema = z.strictObject({
  // enum/pattern only inform the JSON Schema (editors); the validators decide and word the errors
  keyboard: checked(v.validateKeyboard).check(
    z.meta({ description: 'keyboard layout id', enum: [...KEYBOARD_IDS] }),
  ),
  country: checked(v.validateCountry).check(
    z.meta({ description: 'ISO 3166-1 alpha-2 country code, lower case', pattern: '^[a-z]{2}$' }),
  ),
  fqdn: described(
    z.union([checked(v.validateFqdn), fqdnFromDhcp]),
    'fully qualified domain name, or { source = "from-dhcp", domain = "..." }',
  ),
  mailto: checked(v.validateEmail, 'e-mail address of the administrator'),
  timezone: checked(v.validateTimezone, 'IANA time zone, e.g. Europe/Vienna or UTC'),
  'root-password': opt(
    checked(v.validatePassword, 'root password in plain text (>= 8 characters)'),
  ),
  'root-password-hashed': opt(
    checked(v.validateCryptHash, 'root password as crypt(3) hash: $y$, $6$ or $5$'),
  ),
  'root-ssh-keys': opt(
    described(z.array(checked(v.validateSshPublicKey)), 'OpenSSH public keys for root'),
  ),
  'reboot-on-error': opt(z.boolean()),
  'reboot-mode': opt(z.enum(['reboot', 'power-off'])),
});

const pinning = z.strictObject({
  enabled: z.boolean(),
  mapping: opt(
    described(z.record(z.string(), z.string()), 'MAC address -> interface name (<= 15 characters)'),
  ),
});

export const networkSchema = z.strictObject({
  source: opt(described(z.enum(['from-dhcp', 'from-answer']), 'default from-dhcp')),
  cidr: opt(checked(v.validateCidr, 'address with prefix length, e.g. 192.168.1.10/24')),
  gateway: opt(checked(v.validateHostIp)),
  dns: opt(checked(v.validateHostIp)),
  filter: opt(described(udevFilter, 'udev property -> glob selecting the management NIC')),
  'interface-name-pinning': opt(pinning),
  // ours, beyond Proxmox
  bond: opt(
    described(
      z.strictObject({
        mode: z.enum(BOND_MODES),
        filter: described(udevFilter, 'udev property -> glob selecting the bond members'),
      }),
      'openve: bond the management NICs',
    ),
  ),
  vlan: opt(described(int(1, 4094), 'openve: VLAN tag of the management network')),
});

const lvmSchema = z.strictObject({
  hdsize: opt(described(gib(SIZE_MINIMA_GIB.hdsize, 'the install'), 'GiB of the disk to use')),
  swapsize: opt(num(0)),
  maxroot: opt(gib(SIZE_MINIMA_GIB.maxroot, 'the root volume')),
  maxvz: opt(num(0)),
  minfree: opt(num(0)),
});

const btrfsSchema = z.strictObject({
  raid: opt(described(caseInsensitive(BTRFS_RAID_LEVELS), 'raid0, raid1 or raid10 (any case)')),
  compress: opt(z.enum(['on', 'off', 'zlib', 'lzo', 'zstd'])),
  hdsize: opt(gib(SIZE_MINIMA_GIB.hdsize, 'the install')),
});

// Accepted for compatibility (so a Proxmox file gets the one clear "ZFS not supported" error,
// not a list of unknown keys); filesystem = "zfs" itself is refused in checks.ts.
const zfsSchema = z.strictObject({
  raid: opt(caseInsensitive(ZFS_RAID_LEVELS)),
  ashift: opt(int(9, 16)),
  'arc-max': opt(int(64)),
  checksum: opt(z.enum(['on', 'fletcher4', 'sha256'])),
  compress: opt(z.enum(['on', 'off', 'lzjb', 'lz4', 'zle', 'gzip', 'zstd'])),
  copies: opt(int(1, 3)),
  hdsize: opt(gib(SIZE_MINIMA_GIB.hdsize, 'the install')),
});

export const diskSetupSchema = z.strictObject({
  // zfs is accepted here only to get its one clear error from checks.ts; the message lists what works
  filesystem: z.enum(['ext4', 'xfs', 'btrfs', 'zfs'], {
    error: (iss) =>
      typeof iss.input === 'string'
        ? `${v.quote(iss.input)} is not valid${didYouMean(iss.input, SUPPORTED_FILESYSTEMS)}; expected one of ${SUPPORTED_FILESYSTEMS.join(', ')}`
        : undefined,
  }),
  'disk-list': opt(
    described(z.array(checked(v.validateDiskName)), 'kernel names, e.g. ["sda", "sdb"]'),
  ),
  filter: opt(described(udevFilter, 'udev property -> glob selecting the target disks')),
  'filter-match': opt(z.enum(['any', 'all'])),
  lvm: opt(lvmSchema),
  btrfs: opt(btrfsSchema),
  zfs: opt(zfsSchema),
});

export const firstBootSchema = z.strictObject({
  source: z.enum(['from-iso', 'from-url']),
  ordering: opt(
    described(z.enum(['before-network', 'network-online', 'fully-up']), 'default fully-up'),
  ),
  url: opt(checked(v.validateUrl)),
  'cert-fingerprint': opt(checked(v.validateCertFingerprint)),
});

export const webhookSchema = z.strictObject({
  url: checked(v.validateUrl),
  'cert-fingerprint': opt(checked(v.validateCertFingerprint)),
  'auth-token': opt(described(z.string(), 'sent back as "token" in the webhook body')),
});

export const clusterSchema = described(
  z.strictObject({
    mode: z.enum(['create', 'join']),
    name: opt(checked(v.validateClusterName, 'mode = "create": the cluster name')),
    master: opt(checked(v.validateHostIp, 'mode = "join": IP address of a cluster member')),
    members: opt(
      described(
        z.array(checked(v.validateHostIp)).check(
          z.maxLength(MAX_JOIN_MEMBERS, {
            error: (iss) =>
              `${Array.isArray(iss.input) ? iss.input.length : 'too many'} members; at most ${MAX_JOIN_MEMBERS} (the joiner asks them in order; a few that are usually up are enough)`,
          }),
        ),
        `mode = "join": more cluster members to ask, in order, when the master does not answer (any quorate member accepts a join); at most ${MAX_JOIN_MEMBERS}`,
      ),
    ),
    token: opt(checked(v.validateToken, 'pre-shared join token (>= 16 characters)')),
    fingerprint: opt(
      checked(v.validateCertFingerprint, 'mode = "join": SHA-256 of the master\'s certificate'),
    ),
  }),
  'openve: form or join a cluster at first boot',
);

export const answerFileSchema = described(
  z.strictObject({
    global: globalSchema,
    network: networkSchema,
    'disk-setup': diskSetupSchema,
    'first-boot': opt(firstBootSchema),
    'post-installation-webhook': opt(webhookSchema),
    cluster: opt(clusterSchema),
  }),
  'openve answer file (a superset of the Proxmox VE auto-installer answer.toml)',
);

export type RawAnswerFile = z.infer<typeof answerFileSchema>;

/**
 * Older snake_case spellings Proxmox still accepts (serde aliases in answer.rs), by table.
 * parse.ts renames them to the kebab-case key before validation.
 */
export const SNAKE_CASE_ALIASES: Record<string, Record<string, string>> = {
  global: {
    root_password: 'root-password',
    root_password_hashed: 'root-password-hashed',
    reboot_on_error: 'reboot-on-error',
    reboot_mode: 'reboot-mode',
    root_ssh_keys: 'root-ssh-keys',
  },
  'disk-setup': { disk_list: 'disk-list', filter_match: 'filter-match' },
  'disk-setup.zfs': { arc_max: 'arc-max' },
  'first-boot': { cert_fingerprint: 'cert-fingerprint' },
  'post-installation-webhook': { cert_fingerprint: 'cert-fingerprint', auth_token: 'auth-token' },
};

/** JSON Schema of the answer file, for editors (`openve-install schema`). */
export function answerFileJsonSchema(): Record<string, unknown> {
  // draft-07: the newest draft TOML editors (taplo, Even Better TOML) understand
  return z.toJSONSchema(answerFileSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-7',
  }) as Record<string, unknown>;
}
