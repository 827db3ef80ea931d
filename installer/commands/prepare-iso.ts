// STUB: replaced by the work that owns `openve-install prepare-iso`.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('openve-install prepare-iso: not implemented yet\n');
  return 2;
}
