// STUB: replaced by the work that owns `openve-install detect`.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('openve-install detect: not implemented yet\n');
  return 2;
}
