// openve-install: dispatches to one module per subcommand, loaded lazily so that `validate`
// never pays for ink/react start-up. Each command module exports `run(args): Promise<number>`.
import { UserError, formatIssue } from '../lib/errors.ts';
import { commandHelp, wantsHelp } from './commands/help.ts';

export const MAX_PRINTED_ISSUES = 50;

type CommandModule = { run(args: string[]): Promise<number> };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  validate: { summary: 'validate ANSWER.toml', load: () => import('./commands/validate.ts') },
  schema: {
    summary: 'print the JSON Schema of the answer file',
    load: () => import('./commands/schema.ts'),
  },
  detect: {
    summary: 'detect [--json]  hardware profile of this machine',
    load: () => import('./commands/detect.ts'),
  },
  plan: {
    summary: 'plan --answer A [--hardware F] [--json]',
    load: () => import('./commands/plan.ts'),
  },
  auto: {
    summary: 'auto --answer A [--payload P] [--yes]  unattended install',
    load: () => import('./commands/auto.ts'),
  },
  'build-iso': {
    summary: 'build-iso --out FILE [--answer A]',
    load: () => import('./commands/build-iso.ts'),
  },
  locate: {
    summary: 'locate [--json] [--save DIR]  find the answer file (live ISO)',
    load: () => import('./locate/cli.ts'),
  },
  'prepare-iso': {
    summary: 'prepare-iso --in ISO --answer A [--on-first-boot SCRIPT] --out ISO',
    load: () => import('./commands/prepare-iso.ts'),
  },
  serve: {
    summary:
      'serve --iso ISO --answers DIR [--interface IF] [--dhcp-range A,B] | --status [--json]',
    load: () => import('../provision/index.ts').then((p) => p.fleetCommands.serve()),
  },
  report: {
    summary: 'report --url URL [--fingerprint FP] [--log F]  post progress (network installs)',
    load: () => import('../provision/index.ts').then((p) => p.fleetCommands.report()),
  },
};

export function usage(): string {
  const lines = [
    'usage: openve-install [--dry-run --hardware FILE]   interactive installer (on a TTY)',
  ];
  for (const [name, c] of Object.entries(commands))
    lines.push(
      `       openve-install ${c.summary.startsWith(name) ? c.summary : `${name}  ${c.summary}`}`,
    );
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === '--help' || first === '-h' || first === 'help') {
      const topic = first === 'help' && rest[0] !== undefined ? commandHelp(rest[0]) : null;
      process.stdout.write(topic ?? usage() + '\n');
      return 0;
    }
    if (first === undefined || first.startsWith('-')) {
      const ui = await import('./ui/main.tsx');
      return await ui.run(argv);
    }
    const command = commands[first];
    if (!command) {
      process.stderr.write(`openve-install: unknown command '${first}'\n${usage()}\n`);
      return 2;
    }
    if (wantsHelp(rest)) {
      process.stdout.write(commandHelp(first) ?? `${usage()}\n`);
      return 0;
    }
    return await (await command.load()).run(rest);
  } catch (err) {
    return reportError(err);
  }
}

/** User errors: one `path: message` line each, exit 1. Anything else: one line, exit 2. */
export function reportError(err: unknown): number {
  if (err instanceof UserError) {
    // A hostile file can have thousands of problems: the first ones say what is wrong.
    for (const issue of err.issues.slice(0, MAX_PRINTED_ISSUES))
      process.stderr.write(formatIssue(issue) + '\n');
    const more = err.issues.length - MAX_PRINTED_ISSUES;
    if (more > 0) process.stderr.write(`... and ${more} more problem${more === 1 ? '' : 's'}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`openve-install: ${message}\n`);
  if (process.env.OPENVE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 2;
}
