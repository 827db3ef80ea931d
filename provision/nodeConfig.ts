// Reads /etc/openve/node.json (written by the installer) through its contract
// (contracts/node/schema.ts); a bad field is a UserError naming it.
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../lib/errors.ts';
import { ContractError, parseJson } from '../contracts/json.ts';
import { ORDERINGS, nodeConfigSchema } from '../contracts/node/schema.ts';
import type { NodeConfig } from '../contracts/node/types.ts';

export function readNodeConfig(file: string): NodeConfig | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return parseJson(nodeConfigSchema, readFileSync(file, 'utf8'), file);
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    throw new UserError({ path: err.field ? `${file}: ${err.field}` : file, message: err.detail });
  }
}

export const ORDERING_LIST = ORDERINGS;
export type Ordering = (typeof ORDERINGS)[number];
