// A lean HTTPS load generator for benchmarks: worker threads, each holding keep-alive TLS
// connections with one request in flight per connection (like many machines asking at once),
// responses read by Content-Length. Node's https client costs about as much CPU per request as
// the server being measured, and on a 2-core machine client and server share the CPUs: a cheap
// client lets the figure be the server's.
// loadHttps({ port, paths, body, seconds, threads, connections, once }) (once: every path asked
// for exactly once, or until `seconds`) ->
//   { perSecond, p50Ms, p99Ms, requests, failed, firstFailure }
import tls from 'node:tls';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const round = (x) => Math.round(x * 10) / 10;

function connection({ port, paths, body, until, offset, stride, once }, lat, stats) {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    let i = offset;
    let buf = Buffer.alloc(0);
    let t0 = 0n;
    const payload = Buffer.from(body ?? '');
    const ask = () => {
      if (Date.now() >= until || (once && i >= paths.length)) {
        socket.end();
        return resolve();
      }
      const p = paths[i % paths.length];
      i += stride;
      t0 = process.hrtime.bigint();
      socket.write(
        `POST ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${payload.length}\r\n\r\n`,
      );
      if (payload.length) socket.write(payload);
    };
    socket.on('secureConnect', ask);
    socket.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      let bodyEnd = end + 4 + Number(length ?? 0);
      if (length === undefined) {
        // chunked: walk the chunk sizes to the last (empty) chunk
        let at = end + 4;
        for (;;) {
          const eol = buf.indexOf('\r\n', at);
          if (eol < 0) return;
          const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
          at = eol + 2 + size + 2;
          if (size === 0) break;
        }
        bodyEnd = at;
      }
      if (buf.length < bodyEnd) return;
      const status = Number(head.slice(9, 12));
      if (status !== 200 && stats.failed++ === 0)
        stats.firstFailure = `${status} ${buf
          .subarray(end + 4, bodyEnd)
          .toString()
          .slice(0, 300)}`;
      buf = buf.subarray(bodyEnd);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      ask();
    });
    socket.on('error', (err) => {
      if (stats.failed++ === 0) stats.firstFailure = String(err);
      resolve();
    });
  });
}

async function runThread({ port, paths, body, seconds, connections, thread, threads, once }) {
  const lat = [];
  const stats = { failed: 0 };
  const start = Date.now();
  const until = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, (_, c) =>
      connection(
        {
          port,
          paths,
          body,
          until,
          offset: thread * connections + c,
          stride: threads * connections,
          once,
        },
        lat,
        stats,
      ),
    ),
  );
  return { lat, ...stats, elapsed: (Date.now() - start) / 1000 };
}

if (!isMainThread) parentPort.postMessage(await runThread(workerData));

export async function loadHttps({
  port,
  paths,
  body = '',
  seconds,
  threads = 2,
  connections = 16,
  once = false,
}) {
  const parts = await Promise.all(
    Array.from(
      { length: threads },
      (_, thread) =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), {
            workerData: { port, paths, body, seconds, connections, thread, threads, once },
          });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  const lat = parts.flatMap((p) => p.lat).sort((a, b) => a - b);
  const failed = parts.reduce((s, p) => s + p.failed, 0);
  const firstFailure = parts.find((p) => p.firstFailure)?.firstFailure;
  return {
    perSecond: Math.round(lat.length / Math.max(...parts.map((p) => p.elapsed))),
    p50Ms: round(lat[Math.floor(lat.length * 0.5)] ?? NaN),
    p99Ms: round(lat[Math.floor(lat.length * 0.99)] ?? NaN),
    requests: lat.length,
    failed,
    ...(firstFailure ? { firstFailure } : {}),
    client: `${threads} threads x ${connections} keep-alive TLS connections, 1 request in flight each`,
  };
}
