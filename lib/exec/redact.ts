// Secrets out of text before it reaches a log or an error message.

export function redact(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const s of secrets ?? []) if (s) out = out.split(s).join('***');
  return out;
}

/** Progress bars (unsquashfs) rewrite one line with \r: keep only what the terminal would show. */
export function collapseCarriageReturns(text: string): string {
  return text
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r') + 1))
    .join('\n');
}
