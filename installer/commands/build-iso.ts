// STUB: replaced by the work that owns `openve-install build-iso`.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('openve-install build-iso: not implemented yet\n');
  return 2;
}
