// Lenient readers for fields of tool JSON (lsblk, ip): util-linux < 2.33 printed every value as a
// string ("1", "500107862016"), newer versions use JSON types; a missing field reads as empty.
export type Json = Record<string, unknown>;

export const str = (v: unknown): string =>
  typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
export const num = (v: unknown): number =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : 0;
export const bool = (v: unknown): boolean => v === true || v === '1' || v === 1;

/** JSON text that must be an array of objects (what `ip -j` prints); anything else is dropped. */
export function objectList(text: string, what: string): Json[] {
  const doc: unknown = JSON.parse(text);
  if (!Array.isArray(doc)) throw new SyntaxError(`${what}: expected a JSON array`);
  return doc.filter((d): d is Json => d !== null && typeof d === 'object' && !Array.isArray(d));
}
