// What an in-process CLI run writes to stdout and stderr, and its exit code (the writes are
// captured, not shown, and restored afterwards even when the run throws).
import { vi } from 'vitest';

export interface Captured {
  code: number;
  out: string;
  err: string;
}

export async function capture(fn: () => Promise<number>): Promise<Captured> {
  let out = '';
  let err = '';
  const o = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await fn();
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
