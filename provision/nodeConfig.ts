// Reads /etc/openve/node.json (written by the installer) with checks that name the bad field.
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../lib/errors.ts';
import type { NodeConfig } from '../contracts/node/types.ts';

const ORDERINGS = ['before-network', 'network-online', 'fully-up'] as const;

export function readNodeConfig(file: string): NodeConfig | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError({ path: file, message: `not valid JSON: ${(err as Error).message}` });
  }
  const c = raw as NodeConfig;
  const bad = (path: string, message: string) =>
    new UserError({ path: `${file}: ${path}`, message });
  if (c?.version !== 1) throw bad('version', 'expected 1');
  const fb = c.firstBoot;
  if (fb) {
    if (!['from-iso', 'from-url', 'none'].includes(fb.source))
      throw bad('firstBoot.source', "expected 'from-iso', 'from-url' or 'none'");
    if (!(ORDERINGS as readonly string[]).includes(fb.ordering))
      throw bad('firstBoot.ordering', `expected one of ${ORDERINGS.join(', ')}`);
    if (fb.source === 'from-url' && !fb.url) throw bad('firstBoot.url', 'from-url needs a url');
  }
  if (c.webhook && typeof c.webhook.url !== 'string') throw bad('webhook.url', 'expected a URL');
  if (c.cluster) {
    if (c.cluster.mode === 'create' && typeof c.cluster.name !== 'string')
      throw bad('cluster.name', 'create needs a cluster name');
    if (
      c.cluster.mode === 'join' &&
      (typeof c.cluster.master !== 'string' || typeof c.cluster.token !== 'string')
    ) {
      throw bad('cluster', 'join needs master and token');
    }
    if (c.cluster.mode !== 'create' && c.cluster.mode !== 'join')
      throw bad('cluster.mode', "expected 'create' or 'join'");
  }
  return c;
}

export const ORDERING_LIST = ORDERINGS;
export type Ordering = (typeof ORDERINGS)[number];
