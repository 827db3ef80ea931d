// The multiboot stub booted inside the installed nodes of the cluster e2e (test/e2e/lib/stubGuest.ts).
import { describe, expect, test } from 'vitest';
import { writeFileSync } from 'node:fs';
import {
  COUNTER_ADDR,
  parseStubWords,
  STAMP_ADDR,
  STUB_HMP,
  stubGuestImage,
} from '../../e2e/lib/stubGuest.ts';

describe('stub guest', () => {
  test('a multiboot v1 header QEMU accepts (magic, a.out kludge, checksum, entry after it)', () => {
    const img = stubGuestImage();
    if (process.env.OPENVE_STUB_OUT) writeFileSync(process.env.OPENVE_STUB_OUT, img);
    expect(img.length).toBe(48);
    const w = (i: number) => img.readUInt32LE(i * 4);
    expect(w(0)).toBe(0x1badb002);
    expect(w(1) & 0x10000).toBe(0x10000);
    expect((w(0) + w(1) + w(2)) >>> 0).toBe(0);
    expect(w(7)).toBe(w(4) + 32);
    // the code stores the stamp at STAMP_ADDR and increments COUNTER_ADDR
    expect(img.readUInt32LE(32 + 3)).toBe(STAMP_ADDR);
    expect(img.readUInt32LE(32 + 9)).toBe(COUNTER_ADDR);
    expect(img[32 + 13]).toBe(0xeb);
    expect(32 + 15 + (img.readInt8(32 + 14) as number)).toBe(32 + 7); // jmp back to the inc
  });

  test('parses the monitor words; anything else is null', () => {
    expect(STUB_HMP).toBe('xp /2wx 0x100400');
    expect(parseStubWords('0000000000100400: 0x1234abcd 0x0000ff01\r\n')).toEqual({
      stamp: 0x1234abcd,
      counter: 0xff01,
    });
    expect(parseStubWords('0000000000200400: 0x1234abcd 0x0000ff01')).toBeNull();
    expect(parseStubWords('error: Requested operation is not valid')).toBeNull();
  });
});
