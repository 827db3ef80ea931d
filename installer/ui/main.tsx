// STUB: replaced by the interactive installer work.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('openve-install: the interactive installer is not implemented yet\n');
  return 2;
}
