// Human output: aligned tables.
export function table(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): string {
  const cells = [
    columns.map((c) => c.toUpperCase()),
    ...rows.map((r) =>
      columns.map((c) => (r[c] === null || r[c] === undefined ? '-' : String(r[c]))),
    ),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] as string).length)));
  return (
    cells
      .map((row) =>
        row.map((v, i) => (i === row.length - 1 ? v : v.padEnd(widths[i] as number))).join('  '),
      )
      .join('\n') + '\n'
  );
}
