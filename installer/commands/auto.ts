// STUB: replaced by the work that owns `openve-install auto`.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('openve-install auto: not implemented yet\n');
  return 2;
}
