// `openve-install <command> --help`: what each subcommand takes, printed before the command's own
// argument parsing runs (so `--help` is never an "unknown option" and never needs an answer file).

const HELP: Record<string, string[]> = {
  validate: [
    'validate ANSWER.toml',
    'Checks an answer file: exit 0 and a one-line summary, or exit 1 with one `path: message` line per problem.',
  ],
  schema: ['schema', 'Prints the JSON Schema of the answer file (for editors).'],
  detect: [
    'detect [--json] [--bring-up] [--hardware FILE]',
    'Prints the hardware profile of this machine.',
    '  --json         exact JSON (what --hardware FILE replays)',
    '  --bring-up     bring down NICs up to read their link (the live system does this)',
    '  --hardware F   show a recorded profile instead of this machine',
  ],
  plan: [
    'plan --answer A [--hardware FIXTURE.json] [--json] [--verbose]',
    'Prints the install plan without root and without touching a disk.',
    '  -a, --answer A     the answer file (TOML)',
    '  --hardware F       a recorded hardware profile (default: detect this machine)',
    '  --json             the plan as JSON',
    '  -v, --verbose      with the rendered files',
  ],
  auto: [
    'auto --answer A [--payload P] [--yes] [--hardware F] [--log FILE] [--first-boot-hook S] [--target DIR] [--answer-from-media] [--dry-run]',
    'Unattended install: answer file -> plan -> install, progress as JSON lines on stdout.',
    '  -a, --answer A          the answer file (TOML)',
    '  --payload P             the system image (.squashfs, .tar.zst or .tar; default: the install medium)',
    '  -y, --yes               confirm that the planned disks are erased',
    '  --hardware F            a recorded hardware profile (tests)',
    '  --log FILE              the install log (default /tmp/openve-install.log)',
    '  --first-boot-hook S     an executable run at first boot ([first-boot] source = "from-iso")',
    '  --target DIR            where the new system is mounted',
    '  --answer-from-media     the answer came with the install medium (counts as confirmation)',
    '  --dry-run               print the commands instead of running them',
  ],
  'build-iso': [
    'build-iso --out FILE [--answer A] [--on-first-boot SCRIPT] [--kernel-arg ARG]... [--cache-dir DIR]',
    'Builds the installer ISO.',
  ],
  'prepare-iso': [
    'prepare-iso --in ISO (--answer A | --answer-url URL [--cert-fingerprint FP]) [--on-first-boot SCRIPT] --out ISO',
    'Embeds an answer file (and optionally a first-boot hook) into an existing ISO without a rebuild.',
  ],
  locate: [
    'locate [--json] [--save DIR] [--hardware F] [--timeout S] [--network-wait S]',
    'Finds the answer file on the live ISO (kernel parameter, ISO, OPENVE-AIS stick, HTTP).',
  ],
};

export const wantsHelp = (args: readonly string[]): boolean =>
  args.includes('--help') || args.includes('-h');

/** Help text of one subcommand, or null for an unknown one. */
export function commandHelp(command: string): string | null {
  const lines = HELP[command];
  if (!lines) return null;
  const [synopsis, ...rest] = lines;
  return [`usage: openve-install ${synopsis}`, ...rest].join('\n') + '\n';
}
