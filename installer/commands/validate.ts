// `openve-install validate ANSWER.toml`: exit 0 with a one-line summary, or exit 1 with one
// `path: message` line per problem (printed by cli.ts from the UserError).
import { parseCommandArgs } from '../../lib/args.ts';
import { UserError } from '../../lib/errors.ts';
import { loadAnswerFile } from '../answers/parse.ts';
import { summarizeAnswers } from '../answers/summary.ts';

export async function run(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs('validate', args, {}, true);
  if (positionals.length !== 1) {
    throw new UserError({
      path: 'validate',
      message: 'usage: openve-install validate ANSWER.toml',
    });
  }
  const answers = await loadAnswerFile(positionals[0]!);
  process.stdout.write(`ok: ${summarizeAnswers(answers)}\n`);
  return 0;
}
