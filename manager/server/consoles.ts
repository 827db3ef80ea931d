// Terminal streams for the WebSocket consoles. A VM's serial port is a libvirt `pty` (its path
// from `virsh ttyconsole`): the manager opens the pty itself, in raw mode, instead of `virsh
// console`, which refuses to run without a controlling terminal. No shell, no node-pty.
import { constants, openSync } from 'node:fs';
import tty from 'node:tty';

export interface TerminalStream {
  write(data: Buffer | string): void;
  onData(cb: (data: Buffer) => void): void;
  onClose(cb: () => void): void;
  close(): void;
}

/** a pty device (e.g. /dev/pts/3) as a raw, non-blocking duplex stream */
export function openPty(device: string): TerminalStream {
  if (!/^\/dev\/pts\/\d+$/.test(device)) throw new Error(`not a pty: ${device}`);
  const fd = openSync(device, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  const s = new tty.ReadStream(fd);
  s.setRawMode(true);
  let closed = false;
  return {
    write: (data) => {
      if (!closed) s.write(data);
    },
    onData: (cb) => s.on('data', (d: Buffer | string) => cb(Buffer.from(d))),
    onClose: (cb) => s.on('close', cb),
    close: () => {
      if (closed) return;
      closed = true;
      s.destroy();
    },
  };
}
