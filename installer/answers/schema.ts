// zod schema of the RAW answer file: exactly the TOML as written (Proxmox's kebab-case keys,
// strict tables: unknown keys are errors). Field-level checks live here; checks that relate
// several fields (password xor hash, disk-list xor filter, RAID sizes, network source) are in
// checks.ts; parse.ts runs both and normalizes the result into `Answers`.
// Proxmox reference: proxmox-installer-types/src/answer.rs (AutoInstallerConfig).
import * as z from 'zod';
import * as v from './validators.ts';
import { KEYBOARD_IDS } from './locales.ts';

/** A string checked by one of the shared validators (same message as the UI). */
function checked(validator: v.Validator, description?: string) {
  const s = z.string().superRefine((value, ctx) => {
    const message = validator(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
  return description ? s.describe(description) : s;
}

/** Case-insensitive enum written as a pattern, so the JSON Schema says the same thing. */
function caseInsensitive(values: readonly string[]) {
  const pattern = values
    .map((value) => [...value].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join(''))
    .join('|');
  return z.string().regex(new RegExp(`^(${pattern})$`), {
    error: (iss) => `${v.quote(String(iss.input))} is not valid; expected one of ${values.join(', ')} (any case)`,
  });
}

export const UDEV_PROPERTY = /^[A-Za-z0-9_]+$/;

/** udev property -> glob, e.g. filter.ID_SERIAL = "S2HR*" */
export const udevFilter = z
  .record(z.string(), z.string().min(1, { message: 'the glob must not be empty (use "*" to match anything)' }))
  .describe('udev property name -> glob pattern, e.g. ID_SERIAL = "S2HRNX*"');

export const BTRFS_RAID_LEVELS = ['raid0', 'raid1', 'raid10'] as const;
export const ZFS_RAID_LEVELS = ['raid0', 'raid1', 'raid10', 'raidz-1', 'raidz-2', 'raidz-3'] as const;
export const BOND_MODES = [
  'active-backup',
  'balance-rr',
  'balance-xor',
  'broadcast',
  '802.3ad',
  'balance-tlb',
  'balance-alb',
] as const;

const fqdnFromDhcp = z.strictObject({
  source: z.enum(['from-dhcp']).optional().describe('where the FQDN comes from (default from-dhcp)'),
  domain: z.string().optional().describe('domain to use when the DHCP server sends none'),
});

export const globalSchema = z.strictObject({
  // enum/pattern only inform the JSON Schema (editors); the validators decide and word the errors
  keyboard: checked(v.validateKeyboard).meta({ description: 'keyboard layout id', enum: [...KEYBOARD_IDS] }),
  country: checked(v.validateCountry).meta({ description: 'ISO 3166-1 alpha-2 country code, lower case', pattern: '^[a-z]{2}$' }),
  fqdn: z
    .union([checked(v.validateFqdn), fqdnFromDhcp])
    .describe('fully qualified domain name, or { source = "from-dhcp", domain = "..." }'),
  mailto: checked(v.validateEmail, 'e-mail address of the administrator'),
  timezone: checked(v.validateTimezone, 'IANA time zone, e.g. Europe/Vienna or UTC'),
  'root-password': checked(v.validatePassword, 'root password in plain text (>= 8 characters)').optional(),
  'root-password-hashed': checked(v.validateCryptHash, 'root password as crypt(3) hash: $y$, $6$ or $5$').optional(),
  'root-ssh-keys': z.array(checked(v.validateSshPublicKey)).optional().describe('OpenSSH public keys for root'),
  'reboot-on-error': z.boolean().optional(),
  'reboot-mode': z.enum(['reboot', 'power-off']).optional(),
});

const pinning = z.strictObject({
  enabled: z.boolean(),
  mapping: z.record(z.string(), z.string()).optional().describe('MAC address -> interface name (<= 15 characters)'),
});

export const networkSchema = z.strictObject({
  source: z.enum(['from-dhcp', 'from-answer']).optional().describe('default from-dhcp'),
  cidr: checked(v.validateCidr, 'address with prefix length, e.g. 192.168.1.10/24').optional(),
  gateway: checked(v.validateHostIp).optional(),
  dns: checked(v.validateHostIp).optional(),
  filter: udevFilter.optional().describe('udev property -> glob selecting the management NIC'),
  'interface-name-pinning': pinning.optional(),
  // ours, beyond Proxmox
  bond: z
    .strictObject({
      mode: z.enum(BOND_MODES),
      filter: udevFilter.describe('udev property -> glob selecting the bond members'),
    })
    .optional()
    .describe('openve: bond the management NICs'),
  vlan: z.number().int().min(1).max(4094).optional().describe('openve: VLAN tag of the management network'),
});

const lvmSchema = z.strictObject({
  hdsize: z.number().min(2).optional().describe('GiB of the disk to use'),
  swapsize: z.number().min(0).optional(),
  maxroot: z.number().min(2).optional(),
  maxvz: z.number().min(0).optional(),
  minfree: z.number().min(0).optional(),
});

const btrfsSchema = z.strictObject({
  raid: caseInsensitive(BTRFS_RAID_LEVELS).optional().describe('raid0, raid1 or raid10 (any case)'),
  compress: z.enum(['on', 'off', 'zlib', 'lzo', 'zstd']).optional(),
  hdsize: z.number().min(2).optional(),
});

// Accepted for compatibility (so a Proxmox file gets the one clear "ZFS not supported" error,
// not a list of unknown keys); filesystem = "zfs" itself is refused in checks.ts.
const zfsSchema = z.strictObject({
  raid: caseInsensitive(ZFS_RAID_LEVELS).optional(),
  ashift: z.number().int().min(9).max(16).optional(),
  'arc-max': z.number().int().min(64).optional(),
  checksum: z.enum(['on', 'fletcher4', 'sha256']).optional(),
  compress: z.enum(['on', 'off', 'lzjb', 'lz4', 'zle', 'gzip', 'zstd']).optional(),
  copies: z.number().int().min(1).max(3).optional(),
  hdsize: z.number().min(2).optional(),
});

export const diskSetupSchema = z.strictObject({
  filesystem: z.enum(['ext4', 'xfs', 'btrfs', 'zfs']),
  'disk-list': z.array(checked(v.validateDiskName)).optional().describe('kernel names, e.g. ["sda", "sdb"]'),
  filter: udevFilter.optional().describe('udev property -> glob selecting the target disks'),
  'filter-match': z.enum(['any', 'all']).optional(),
  lvm: lvmSchema.optional(),
  btrfs: btrfsSchema.optional(),
  zfs: zfsSchema.optional(),
});

export const firstBootSchema = z.strictObject({
  source: z.enum(['from-iso', 'from-url']),
  ordering: z.enum(['before-network', 'network-online', 'fully-up']).optional().describe('default fully-up'),
  url: checked(v.validateUrl).optional(),
  'cert-fingerprint': checked(v.validateCertFingerprint).optional(),
});

export const webhookSchema = z.strictObject({
  url: checked(v.validateUrl),
  'cert-fingerprint': checked(v.validateCertFingerprint).optional(),
  'auth-token': z.string().optional().describe('sent back as "token" in the webhook body'),
});

export const clusterSchema = z
  .strictObject({
    mode: z.enum(['create', 'join']),
    name: checked(v.validateClusterName, 'mode = "create": the cluster name').optional(),
    master: checked(v.validateHostIp, 'mode = "join": IP address of a cluster member').optional(),
    token: checked(v.validateToken, 'pre-shared join token (>= 16 characters)').optional(),
    fingerprint: checked(v.validateCertFingerprint, "mode = \"join\": SHA-256 of the master's certificate").optional(),
  })
  .describe('openve: form or join a cluster at first boot');

export const answerFileSchema = z
  .strictObject({
    global: globalSchema,
    network: networkSchema,
    'disk-setup': diskSetupSchema,
    'first-boot': firstBootSchema.optional(),
    'post-installation-webhook': webhookSchema.optional(),
    cluster: clusterSchema.optional(),
  })
  .describe('openve answer file (a superset of the Proxmox VE auto-installer answer.toml)');

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
  return z.toJSONSchema(answerFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
