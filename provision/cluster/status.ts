// What corosync says right now: membership and quorum from `corosync-quorumtool -s`
// (exit 0 quorate, 2 not quorate, 1 not running / "Cannot initialize CMAP service").
import type { CommandRunner } from '../../lib/exec/index.ts';

export interface QuorumStatus {
  running: boolean;
  quorate: boolean;
  localNodeid?: number;
  expectedVotes?: number;
  totalVotes?: number;
  quorum?: number;
  /** nodeids currently in the membership */
  members: number[];
}

export function parseQuorumtool(stdout: string, exitCode: number): QuorumStatus {
  const field = (label: string): string | undefined => {
    const m = new RegExp(`^${label}:\\s*(.+)$`, 'm').exec(stdout);
    return m?.[1]?.trim();
  };
  const num = (label: string): number | undefined => {
    const v = field(label);
    const n = v === undefined ? NaN : Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : undefined;
  };
  if (exitCode === 1 || !/Quorum information/.test(stdout))
    return { running: false, quorate: false, members: [] };
  const members: number[] = [];
  const table = stdout.split(/Membership information\s*\n-+\s*\n/)[1] ?? '';
  for (const line of table.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+\S/.exec(line) ?? /^\s*(0x[0-9a-f]+)\s+(\d+)\s+\S/i.exec(line);
    if (m) members.push(Number(m[1]));
  }
  const status: QuorumStatus = { running: true, quorate: field('Quorate') === 'Yes', members };
  const localNodeid = num('Node ID');
  if (localNodeid !== undefined) status.localNodeid = localNodeid;
  const expected = num('Expected votes');
  if (expected !== undefined) status.expectedVotes = expected;
  const total = num('Total votes');
  if (total !== undefined) status.totalVotes = total;
  const quorum = num('Quorum');
  if (quorum !== undefined) status.quorum = quorum;
  return status;
}

export async function queryQuorum(runner: CommandRunner): Promise<QuorumStatus> {
  try {
    const r = await runner.run(['corosync-quorumtool', '-s'], { reject: false, timeoutMs: 5000 });
    return parseQuorumtool(r.stdout, r.exitCode);
  } catch {
    return { running: false, quorate: false, members: [] };
  }
}

/** Polls until `done(status)` or the timeout; returns the last status. */
export async function waitForQuorum(
  runner: CommandRunner,
  done: (s: QuorumStatus) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<{ ok: boolean; status: QuorumStatus }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await queryQuorum(runner);
    if (done(status)) return { ok: true, status };
    if (Date.now() >= deadline) return { ok: false, status };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
