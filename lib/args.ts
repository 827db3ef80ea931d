import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from './errors.ts';

/** node:util parseArgs, with unknown or malformed options turned into a clear UserError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError({ path: command, message: msg ?? 'bad arguments' });
  }
}
