// Parsing JSON that crosses a process or the network: text -> schema-checked value, or an error
// naming the source and the field (`cluster.json: nodes[0].nodeid: expected number`). Never a cast.
import type * as z from 'zod';

/** JSON from outside that does not have the shape its contract says. */
export class ContractError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${source}: ${field ? `${field}: ` : ''}${detail}`);
    this.name = 'ContractError';
  }
}

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Checks an already-parsed value. */
export function parseValue<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source: string,
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ContractError(source, issue ? fieldPath(issue.path) : '', issue?.message ?? 'invalid');
}

/** Parses JSON text and checks it. */
export function parseJson<S extends z.ZodType>(
  schema: S,
  text: string,
  source: string,
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ContractError(source, '', `not valid JSON (${(err as Error).message})`);
  }
  return parseValue(schema, value, source);
}
