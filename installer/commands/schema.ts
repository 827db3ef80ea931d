// STUB: replaced by the work that owns `openve-install schema`.
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('openve-install schema: not implemented yet\n');
  return 2;
}
