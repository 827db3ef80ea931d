// Sizes and durations as an administrator reads them (sizes: the shared IEC formatters).
import { formatBytes } from '../hardware/describe.ts';
import type { DiskInfo } from '../../contracts/hardware/types.ts';

export { formatBytes } from '../hardware/describe.ts';
export { formatMiB } from '../plan/units.ts';

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** 'sda      465.8 GiB SATA   Samsung SSD 870 EVO 500GB  S6PWNJ0T412345A' */
export function diskLine(d: DiskInfo): string {
  const kind = d.transport === 'unknown' ? '' : d.transport.toUpperCase();
  return [
    d.name.padEnd(8),
    formatBytes(d.sizeBytes).padStart(10),
    kind.padEnd(6),
    (d.model || '?').slice(0, 26).padEnd(26),
    d.serial || '-',
  ]
    .join(' ')
    .trimEnd();
}

/** Cuts text to `width` columns with an ASCII '...' (Ink's own truncation prints a Unicode ellipsis). */
export function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 3))}...`;
}

/** Word-wraps text to lines of at most `width` columns (long words are cut). */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let rest = para.trimEnd();
    if (rest === '') out.push('');
    while (rest.length > 0) {
      if (rest.length <= width) {
        out.push(rest);
        break;
      }
      let cut = rest.lastIndexOf(' ', width);
      if (cut <= 0) cut = width;
      out.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
    }
  }
  return out;
}
