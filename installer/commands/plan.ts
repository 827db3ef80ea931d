// STUB: replaced by the work that owns `openve-install plan`.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('openve-install plan: not implemented yet\n');
  return 2;
}
