// The smallest XML writer that is still safe: every text and attribute value escaped.
export function esc(value: string | number): string {
  return String(value).replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  );
}

export type Attrs = Record<string, string | number | undefined>;

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}='${esc(v as string | number)}'`)
    .join('');
}

/** An element: children are lines already rendered (indented here), text is escaped. */
export function el(tag: string, a: Attrs = {}, children?: readonly string[] | string): string[] {
  if (children === undefined) return [`<${tag}${attrs(a)}/>`];
  if (typeof children === 'string') return [`<${tag}${attrs(a)}>${esc(children)}</${tag}>`];
  return [`<${tag}${attrs(a)}>`, ...children.map((l) => `  ${l}`), `</${tag}>`];
}
