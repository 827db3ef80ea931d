// STUB: replaced by the work that owns `openve-install validate`.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('openve-install validate: not implemented yet\n');
  return 2;
}
