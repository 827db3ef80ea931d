// Small helpers shared by the e2e scenarios (install, interactive, cluster).
import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (for QEMU's SSH hostfwd). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Seconds since a performance.now() reading, to one decimal. */
export function secs(from: number): number {
  return Math.round((performance.now() - from) / 100) / 10;
}
