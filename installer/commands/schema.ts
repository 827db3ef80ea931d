// `openve-install schema`: JSON Schema of the answer file (for editors, e.g. taplo / Even Better TOML).
import { parseCommandArgs } from '../../lib/args.ts';
import { answerFileJsonSchema } from '../../contracts/answers/schema.ts';

export async function run(args: string[]): Promise<number> {
  parseCommandArgs('schema', args, {});
  process.stdout.write(`${JSON.stringify(answerFileJsonSchema(), null, 2)}\n`);
  return 0;
}
