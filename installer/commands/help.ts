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
    'auto --answer A [--payload P] [--yes] [--hardware F] [--log FILE] [--first-boot-hook S] [--target DIR] [--answer-from-media] [--dry-run] [--measure-extraction]',
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
    '  --measure-extraction    benchmark: lay out the disks as planned (they are erased), time copying',
    '                          the system alone onto them, unmount, and stop without installing',
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
  serve: [
    'serve --iso ISO --answers DIR [--interface IF] [--listen ADDR] [--dhcp-range FIRST,LAST] [--install-unknown] | --check --answers DIR | --status [--json]',
    'Installs machines over the network (PXE/iPXE): dnsmasq, boot files from the ISO, answers per machine, progress.',
    '  --iso ISO             the openve ISO (served without copying it)',
    '  --answers DIR         answer files (+ fleet.toml, default.toml); see provision/fleet/README.md',
    '  --interface IF        where dnsmasq answers (proxy-DHCP unless --dhcp-range)',
    '  --listen ADDR         the IPv4 address of this server (default: the first of --interface)',
    '  --dhcp-range A,B      be the DHCP server of an isolated install network',
    '  --http-port N         boot files (default 80); --https-port N answers and status (default 8443)',
    '  --state-dir DIR       certificate, tokens, state (default /var/lib/openve/fleet)',
    '  --install-unknown     serve default.toml to machines no rule matches',
    '  --no-dhcp             no dnsmasq (another DHCP server chains iPXE to http://ADDR/boot.ipxe)',
    '  --check               validate the answer directory and exit',
    '  --status [--json]     the machines of a running (or the last) server',
  ],
  report: [
    'report --url URL [--fingerprint FP] [--log FILE]',
    "Posts the installer's progress events (JSON lines on stdin) to a fleet server (the live system runs it).",
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
