// corosync.conf: rendered from templates/cluster/corosync.conf.hbs, and read back (the nodelist
// is the truth every node runs with, so `pveca -l` reads it rather than a copy).
import { renderTemplate } from '../templates.ts';
import {
  validateAddress,
  validateClusterName,
  validateNodeName,
  type ClusterConfig,
} from './model.ts';

export interface LocalConfPaths {
  keyfile: string;
  /** only when rooted (tests): per-node state dir and log file */
  stateDir?: string;
  logfile?: string;
}

export function renderCorosyncConf(config: ClusterConfig, local: LocalConfPaths): string {
  // Inputs are validated here, before they reach the template (docs/design.md §1).
  validateClusterName(config.clusterName);
  if (!Number.isInteger(config.configVersion) || config.configVersion < 1)
    throw new Error(`bad config_version ${config.configVersion}`);
  if (!Number.isInteger(config.tokenMs) || config.tokenMs < 100)
    throw new Error(`bad totem token ${config.tokenMs}`);
  const ids = new Set<number>();
  for (const n of config.nodes) {
    validateNodeName(n.name);
    validateAddress(n.address);
    if (!Number.isInteger(n.nodeid) || n.nodeid < 1 || ids.has(n.nodeid))
      throw new Error(`bad or duplicate nodeid ${n.nodeid}`);
    ids.add(n.nodeid);
  }
  for (const p of [local.keyfile, local.stateDir, local.logfile]) {
    if (p !== undefined && !/^\/[A-Za-z0-9._/+-]*$/.test(p))
      throw new Error(`unsafe path for corosync.conf: ${JSON.stringify(p)}`);
  }
  return renderTemplate('cluster/corosync.conf.hbs', {
    clusterName: config.clusterName,
    configVersion: config.configVersion,
    tokenMs: config.tokenMs,
    keyfile: local.keyfile,
    nodes: [...config.nodes].sort((a, b) => a.nodeid - b.nodeid),
    twoNode: config.nodes.length === 2,
    logfile: local.logfile ?? null,
    stateDir: local.stateDir ?? null,
  });
}

export type ConfSection = { [key: string]: string | ConfSection[] };

/** Parses corosync's config syntax (`key: value`, `name { ... }`, `#` comments) into nested sections. */
export function parseCorosyncSyntax(text: string): ConfSection {
  const root: ConfSection = {};
  const stack: ConfSection[] = [root];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const top = stack[stack.length - 1]!;
    const open = /^([A-Za-z0-9_.-]+)\s*\{$/.exec(line);
    if (open) {
      const child: ConfSection = {};
      const key = open[1]!;
      const list = top[key];
      if (Array.isArray(list)) list.push(child);
      else top[key] = [child];
      stack.push(child);
      return;
    }
    if (line === '}') {
      if (stack.length === 1) throw new Error(`corosync.conf line ${i + 1}: unmatched '}'`);
      stack.pop();
      return;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`corosync.conf line ${i + 1}: cannot parse '${line}'`);
    top[kv[1]!] = kv[2]!.trim();
  });
  if (stack.length !== 1) throw new Error('corosync.conf: missing closing }');
  return root;
}

const section = (s: ConfSection, key: string): ConfSection | undefined => {
  const v = s[key];
  return Array.isArray(v) ? v[0] : undefined;
};
const value = (s: ConfSection | undefined, key: string): string | undefined => {
  const v = s?.[key];
  return typeof v === 'string' ? v : undefined;
};

/** The cluster model back from a corosync.conf (ours or hand-written with nodeid/name/ring0_addr). */
export function parseCorosyncConf(text: string): ClusterConfig {
  const root = parseCorosyncSyntax(text);
  const totem = section(root, 'totem');
  const nodelist = section(root, 'nodelist');
  const nodesRaw = nodelist?.node;
  const nodes = (Array.isArray(nodesRaw) ? nodesRaw : []).map((n, i) => {
    const nodeid = Number(value(n, 'nodeid'));
    const name = value(n, 'name') ?? value(n, 'ring0_addr') ?? `node${i + 1}`;
    const address = value(n, 'ring0_addr');
    if (!Number.isInteger(nodeid) || !address)
      throw new Error(`corosync.conf: node ${i + 1} lacks nodeid or ring0_addr`);
    return { nodeid, name, address };
  });
  return {
    clusterName: value(totem, 'cluster_name') ?? '',
    configVersion: Number(value(totem, 'config_version') ?? 0),
    tokenMs: Number(value(totem, 'token') ?? 3000),
    nodes,
  };
}
