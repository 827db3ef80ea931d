// /etc/openve/node.json: what the installer leaves for first boot (written by the plan's
// 'write-files' step, read by provision/firstboot.ts and pveca). Secrets appear as
// @@SECRET:name@@ in the plan and are substituted when the file is written to the target.
export interface NodeConfig {
  version: 1;
  fqdn: string | null; // null: from DHCP
  mailto: string;
  managementInterface: string; // 'vmbr0'
  firstBoot: {
    source: 'from-iso' | 'from-url' | 'none';
    ordering: 'before-network' | 'network-online' | 'fully-up';
    url?: string;
    certFingerprint?: string;
    /** where the hook is installed on the target when source = from-iso */
    hookPath: string; // '/var/lib/openve/first-boot/hook'
  };
  /** authToken (Proxmox `auth-token`, a secret placeholder in the plan): sent back as "token" in the body */
  webhook?: { url: string; certFingerprint?: string; authToken?: string };
  cluster?:
    | { mode: 'create'; name: string; token?: string }
    | { mode: 'join'; master: string; members?: string[]; token: string; fingerprint?: string };
}

export const NODE_CONFIG_PATH = '/etc/openve/node.json';
export const FIRST_BOOT_HOOK_PATH = '/var/lib/openve/first-boot/hook';
export const INSTALL_LOG_DIR = '/var/log/openve-install';
/** systemd units shipped in the payload (provision/units/), one per first-boot ordering */
export const FIRST_BOOT_UNITS = {
  'before-network': 'openve-first-boot-before-network.service',
  'network-online': 'openve-first-boot-network-online.service',
  'fully-up': 'openve-first-boot-fully-up.service',
} as const;
export const CLUSTER_INIT_UNIT = 'openve-cluster-init.service';
