// The tiny guest booted inside an installed node (issue 14's e2e migration). A Linux guest under
// TCG inside a TCG node does not get past the firmware in minutes (MANAGER.md §5), so this is a
// multiboot image of 48 bytes that QEMU's -kernel loads directly: at boot it stores the TSC (a
// stamp that differs on every boot) at STAMP_ADDR, then increments a 32-bit counter at
// COUNTER_ADDR forever. Read both through QEMU's monitor (`xp`): after a live migration the stamp
// is the same (no reboot) and the counter has gone on from where it was.

export const LOAD_ADDR = 0x100000;
export const STAMP_ADDR = LOAD_ADDR + 0x400;
export const COUNTER_ADDR = STAMP_ADDR + 4;

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** The multiboot (v1, a.out kludge) image: a 32-byte header, then 16 bytes of 32-bit code. */
export function stubGuestImage(): Buffer {
  const magic = 0x1badb002;
  const flags = 0x00010000; // the address fields below are valid (not an ELF)
  const header = Buffer.concat([
    u32(magic),
    u32(flags),
    u32(-(magic + flags)),
    u32(LOAD_ADDR), // header_addr
    u32(LOAD_ADDR), // load_addr
    u32(0), // load_end_addr: the whole file
    u32(0), // bss_end_addr: none
    u32(LOAD_ADDR + 32), // entry_addr: the code right after the header
  ]);
  const code = Buffer.concat([
    Buffer.from([0x0f, 0x31]), // rdtsc
    Buffer.from([0xa3]), // mov [STAMP_ADDR], eax
    u32(STAMP_ADDR),
    Buffer.from([0xff, 0x05]), // loop: inc dword [COUNTER_ADDR]
    u32(COUNTER_ADDR),
    Buffer.from([0xeb, 0xf8]), // jmp loop
    Buffer.from([0x90]), // pad to 16 bytes
  ]);
  return Buffer.concat([header, code]);
}

/** `virsh qemu-monitor-command DOMAIN --hmp 'xp /2wx STAMP_ADDR'` output -> stamp and counter */
export function parseStubWords(hmp: string): { stamp: number; counter: number } | null {
  const m = /^0*([0-9a-f]+):\s+0x([0-9a-f]{8})\s+0x([0-9a-f]{8})/im.exec(hmp.trim());
  if (!m || Number.parseInt(m[1]!, 16) !== STAMP_ADDR) return null;
  return { stamp: Number.parseInt(m[2]!, 16), counter: Number.parseInt(m[3]!, 16) };
}

export const STUB_HMP = `xp /2wx 0x${STAMP_ADDR.toString(16)}`;
