// `openve vm console ID`: the serial console WebSocket <-> this terminal. Ctrl-] leaves.
import type WebSocket from 'ws';
import type { Io } from './main.ts';

const ESCAPE = 0x1d; // Ctrl-]

export function consoleSession(
  ws: WebSocket,
  io: Io,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<number> {
  return new Promise((resolve) => {
    const raw = stdin.isTTY === true;
    let result = 0;
    const onInput = (d: Buffer) => {
      if (raw && d.includes(ESCAPE)) return ws.close(1000, 'left');
      if (ws.readyState === ws.OPEN) ws.send(d);
    };
    const onEnd = () => ws.close(1000, 'end of input');
    ws.once('open', () => {
      if (raw) {
        stdin.setRawMode(true);
        io.err('connected (Ctrl-] to leave)\r\n');
      }
      stdin.on('data', onInput).once('end', onEnd).resume();
    });
    ws.on('message', (d: Buffer) => io.out(d.toString('utf8')));
    ws.once('unexpected-response', (_req, res) => {
      result = 1;
      io.err(`console: HTTP ${res.statusCode} (check the token)\n`);
    });
    ws.once('error', (err) => {
      result = 1;
      if (!/Unexpected server response/.test(err.message)) io.err(`console: ${err.message}\n`);
    });
    ws.once('close', (code, reason) => {
      if (code >= 4000) {
        result = 1;
        io.err(`${String(reason)}\n`);
      }
      stdin.off('data', onInput).off('end', onEnd);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      resolve(result);
    });
  });
}
