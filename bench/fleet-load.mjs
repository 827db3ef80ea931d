// A paced (open-loop) HTTPS load for the fleet bench: requests are scheduled at a fixed rate (the
// budget's 2,000/s), spread over keep-alive TLS connections (one request in flight on each), and
// each latency is counted from the request's scheduled time, so a request that waited for a free
// connection counts its wait (no coordinated omission). https-load.mjs instead keeps every
// connection busy (closed loop): it measures throughput at saturation, where the latency is the
// queue (Little's law: 32 requests in flight at 2,000/s is 16 ms on average whatever the server).
// loadPaced({ port, paths, body, rate, seconds, threads, connections }) ->
//   { rate, perSecond, p50Ms, p99Ms, maxMs, requests, failed, late, firstFailure }
//   (late: requests that found no free connection at their scheduled time; clientTimerLagMaxMs:
//   the longest the client's own 1 ms timer fired late, i.e. the client was not running)
import tls from 'node:tls';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const round = (x) => Math.round(x * 10) / 10;

function runThread({ port, paths, body, rate, seconds, connections, thread, threads }) {
  return new Promise((resolve) => {
    const lat = [];
    const stats = { failed: 0, late: 0, tickLagMs: 0, firstFailure: undefined };
    const payload = Buffer.from(body ?? '');
    const interval = 1e9 / (rate / threads); // ns between this thread's requests
    const start = process.hrtime.bigint();
    const untilNs = seconds * 1e9;
    let next = (interval * thread) / threads; // ns since start of the next scheduled request
    let i = thread;
    const queue = []; // scheduled times (ns since start) waiting for a free connection
    const free = [];
    let open = 0;
    let finished = false;
    const elapsed = () => Number(process.hrtime.bigint() - start);
    const send = (c, at) => {
      c.at = at;
      const p = paths[i % paths.length];
      i += threads;
      c.socket.write(
        `POST ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${payload.length}\r\n\r\n`,
      );
      if (payload.length) c.socket.write(payload);
    };
    const dispatch = () => {
      while (queue.length && free.length) send(free.pop(), queue.shift());
    };
    const finish = () => {
      if (finished) return;
      finished = true;
      for (const c of conns) c.socket.destroy();
      resolve({ lat, ...stats, elapsed: elapsed() / 1e9 });
    };
    const tick = () => {
      const now = elapsed();
      // how late the client's own timer fires (its CPU share on a loaded machine)
      if (next < now) stats.tickLagMs = Math.max(stats.tickLagMs, (now - next) / 1e6);
      while (next <= now && next < untilNs) {
        queue.push(next);
        if (queue.length > free.length) stats.late++;
        next += interval;
      }
      dispatch();
      if (next >= untilNs && !queue.length && free.length === open) return finish();
      // give up on stragglers 10 s after the end
      if (now > untilNs + 10e9) return finish();
      setTimeout(tick, 1);
    };
    const conns = Array.from({ length: connections }, () => {
      const c = { socket: tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }) };
      let buf = Buffer.alloc(0);
      c.socket.on('secureConnect', () => {
        open++;
        free.push(c);
        if (open === connections) tick();
      });
      c.socket.on('data', (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        const bodyEnd = end + 4 + length;
        if (buf.length < bodyEnd) return;
        const status = Number(head.slice(9, 12));
        if (status !== 200 && stats.failed++ === 0)
          stats.firstFailure = `${status} ${buf
            .subarray(end + 4, bodyEnd)
            .toString()
            .slice(0, 300)}`;
        buf = buf.subarray(bodyEnd);
        lat.push((elapsed() - c.at) / 1e6);
        free.push(c);
        dispatch();
      });
      c.socket.on('error', (err) => {
        if (stats.failed++ === 0) stats.firstFailure = String(err);
      });
      return c;
    });
  });
}

if (!isMainThread) parentPort.postMessage(await runThread(workerData));

export async function loadPaced({
  port,
  paths,
  body = '',
  rate,
  seconds,
  threads = 2,
  connections = 32,
}) {
  const parts = await Promise.all(
    Array.from(
      { length: threads },
      (_, thread) =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), {
            workerData: { port, paths, body, rate, seconds, connections, thread, threads },
          });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  const lat = parts.flatMap((p) => p.lat).sort((a, b) => a - b);
  const q = (f) =>
    lat.length ? round(lat[Math.min(lat.length - 1, Math.floor(f * lat.length))]) : null;
  const elapsed = Math.max(...parts.map((p) => p.elapsed));
  const failed = parts.reduce((s, p) => s + p.failed, 0);
  return {
    rate,
    perSecond: Math.round(lat.length / Math.min(elapsed, seconds)),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: lat.length ? round(lat.at(-1)) : null,
    requests: lat.length,
    failed,
    late: parts.reduce((s, p) => s + p.late, 0),
    clientTimerLagMaxMs: round(Math.max(...parts.map((p) => p.tickLagMs))),
    ...(failed ? { firstFailure: parts.find((p) => p.firstFailure)?.firstFailure } : {}),
    client: `open loop at ${rate}/s: ${threads} threads x ${connections} keep-alive TLS connections, 1 request in flight each`,
  };
}
