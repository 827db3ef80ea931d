// Hardware strings come from devices (a USB stick chooses its own model and serial) or from a
// fixture file: they must never reach a terminal raw (an escape sequence clears the screen or
// rewrites what the operator reads) nor a config file unchecked. Sanitised once, where a
// HardwareProfile enters the program (detect, --hardware FILE), so every printer gets clean text.
import type { HardwareProfile } from '../../contracts/hardware/types.ts';

// C0 and C1 controls (ESC, CSI 0x9b, ...), DEL, and the Unicode format characters that reorder or
// hide text on screen (bidi overrides/isolates, zero-width, line/paragraph separators)
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Text safe to print: every control or format character replaced by '?', at most `max` characters. */
export function printable(value: string, max = 200): string {
  const clean = value.replace(UNPRINTABLE, '?');
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}

/** A network interface name the kernel and ifupdown2 accept verbatim: 1-15 of [A-Za-z0-9_.-], not '.'/'..'. */
export function isSafeInterfaceName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(name) && name !== '.' && name !== '..';
}

/** The profile with every free-text field printable (names are checked, not rewritten: see schema.ts). */
export function sanitizeProfile(p: HardwareProfile): HardwareProfile {
  const udev = (u: Record<string, string>) =>
    Object.fromEntries(Object.entries(u).map(([k, v]) => [printable(k, 64), printable(v, 4096)]));
  return {
    ...p,
    cpu: { ...p.cpu, model: printable(p.cpu.model), vendor: printable(p.cpu.vendor) },
    disks: p.disks.map((d) => ({
      ...d,
      model: printable(d.model),
      serial: printable(d.serial),
      vendor: printable(d.vendor),
      udev: udev(d.udev),
    })),
    nics: p.nics.map((n) => ({ ...n, driver: printable(n.driver), udev: udev(n.udev) })),
    notes: p.notes.map((n) => printable(n, 1000)),
  };
}
