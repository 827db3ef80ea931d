// Live migration between the two installed nodes of the cluster e2e (issue 14), all over SSH on the
// nodes themselves: the stub guest (stubGuest.ts: a Linux guest does not boot in minutes under TCG
// inside TCG) is copied to both nodes, a VM with a 1 GiB thin volume on local-lvm is created on
// node1 through the API (direct kernel boot is an API field, not a CLI flag) and started with the
// CLI; 4 MiB of random data is written to its volume before it starts. Then `openve vm migrate ID
// node2 --online` on node1 (peer-to-peer over the libvirt TLS that pveca set up, the volume mirrored
// into a thin volume created first on node2). Asserted: the task ends ok, the stub's boot stamp is
// the same on node2 (no reboot) and its counter went on from where it was, the data on node2's
// volume is the data written, the VM and its volume are gone from node1. The task's own duration
// and downtime line ("migration finished: X s, downtime Y ms") is returned with the wall time.
import type { CommandResult } from '../../../lib/exec/types.ts';
import { parseStubWords, STUB_HMP, stubGuestImage } from './stubGuest.ts';

export type SshIn = (cmd: string, timeoutMs?: number, input?: string) => Promise<CommandResult>;

export interface MigrateCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface MigrateFigures {
  /** VM start -> the stub's first counter read through the monitor (nested TCG boot) */
  bootSeconds: number | null;
  /** `openve vm migrate` on node1, start to end (CLI wall time) */
  migrateWallSeconds: number | null;
  /** from the task's last line */
  taskSeconds: number | null;
  downtimeMs: number | null;
  finishedLine: string | null;
}

export const MIG_VM = 192;
export const STUB_PATH = '/var/lib/libvirt/boot/openve-e2e-stub.bin';
const API = 'https://127.0.0.1:8006/api/v1';
const DATA_MIB = 4;

/** "migration finished: 12.3 s, downtime 210 ms" -> figures (null when absent) */
export function parseFinished(log: string): {
  seconds: number;
  downtimeMs: number | null;
  line: string;
} | null {
  const m = /migration finished: ([\d.]+) s, downtime (\d+ ms|unknown)/.exec(log);
  if (!m) return null;
  return {
    seconds: Number(m[1]),
    downtimeMs: m[2] === 'unknown' ? null : Number.parseInt(m[2]!, 10),
    line: m[0],
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** the stub's words on a node (null: not running there or not booted yet) */
async function readStub(ssh: SshIn): Promise<{ stamp: number; counter: number } | null> {
  const r = await ssh(
    `virsh -c qemu:///system qemu-monitor-command vm-${MIG_VM} --hmp '${STUB_HMP}'`,
    60_000,
  );
  const w = r.exitCode === 0 ? parseStubWords(r.stdout) : null;
  return w && w.stamp !== 0 ? w : null;
}

export async function migrationChecks(
  node1: { ssh: SshIn; name: string },
  node2: { ssh: SshIn; name: string },
  password: string,
  log: (l: string) => void,
  bootTimeoutMs = 15 * 60_000,
): Promise<{ checks: MigrateCheck[]; figures: MigrateFigures }> {
  const checks: MigrateCheck[] = [];
  const figures: MigrateFigures = {
    bootSeconds: null,
    migrateWallSeconds: null,
    taskSeconds: null,
    downtimeMs: null,
    finishedLine: null,
  };
  const push = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    log(`cluster: ${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail.slice(0, 2000)}`}`);
    return ok;
  };
  const out = (r: CommandResult) => `${r.stdout}${r.stderr}`.trim();

  // 1. the stub on both nodes (the destination QEMU loads the same -kernel path)
  const b64 = stubGuestImage().toString('base64');
  for (const n of [node1, node2]) {
    const r = await n.ssh(
      `install -d /var/lib/libvirt/boot && base64 -d > ${STUB_PATH} && sha256sum ${STUB_PATH}`,
      30_000,
      `${b64}\n`,
    );
    if (!push(`${n.name}: stub guest image copied`, r.exitCode === 0, out(r)))
      return { checks, figures };
  }

  // 2. create on node1 through the API (token from `openve login`, password on stdin), data on
  //    the volume, start with the CLI
  const body = JSON.stringify({
    id: MIG_VM,
    name: 'e2e-mig',
    memory: 32,
    nics: [],
    disks: [{ size: 1, storage: 'local-lvm' }],
    kernel: { path: STUB_PATH },
  });
  const create = await node1.ssh(
    [
      'set -e',
      'T=$(openve --insecure login --comment e2e-migrate)',
      `R=$(curl -sk -H "authorization: Bearer $T" -H 'content-type: application/json' -d '${body}' ${API}/nodes/${node1.name}/vms)`,
      'echo "$R"',
      `TASK=$(echo "$R" | grep -o '"task":"[^"]*"' | cut -d'"' -f4)`,
      '[ -n "$TASK" ]',
      'for i in $(seq 1 150); do S=$(curl -sk -H "authorization: Bearer $T" ' +
        `${API}/tasks/$TASK | grep -o '"status":"[a-z]*"' | head -1); ` +
        `case "$S" in *running*|'') sleep 2;; *) break;; esac; done`,
      'echo "task $S"',
      `lvchange -ay openve/vm-${MIG_VM}-disk-0 2>/dev/null || true`,
      `head -c ${DATA_MIB}M /dev/urandom > /run/e2e-mig.data`,
      `dd if=/run/e2e-mig.data of=/dev/openve/vm-${MIG_VM}-disk-0 bs=1M conv=fsync status=none`,
      'echo "data $(sha256sum < /run/e2e-mig.data | cut -d" " -f1)"',
      `openve vm start ${MIG_VM} >/dev/null`,
      `virsh -c qemu:///system domstate vm-${MIG_VM}`,
    ].join('\n'),
    600_000,
    `${password}\n`,
  );
  const dataSha = /^data ([0-9a-f]{64})$/m.exec(create.stdout)?.[1];
  if (
    !push(
      `${node1.name}: VM ${MIG_VM} (stub kernel, 1 GiB thin volume on local-lvm, ${DATA_MIB} MiB data written) created through the API and started`,
      create.exitCode === 0 &&
        /^task "status":"ok"$/m.test(create.stdout) &&
        Boolean(dataSha) &&
        /^running$/m.test(create.stdout),
      out(create),
    )
  )
    return { checks, figures };

  // 3. the stub runs: its stamp is set and its counter moves (nested TCG: the firmware is slow)
  const started = performance.now();
  let first: { stamp: number; counter: number } | null = null;
  while (!first && performance.now() - started < bootTimeoutMs) {
    first = await readStub(node1.ssh);
    if (!first) await sleep(5000);
  }
  figures.bootSeconds = first ? Math.round((performance.now() - started) / 100) / 10 : null;
  await sleep(3000);
  const before = await readStub(node1.ssh);
  log(
    `cluster: stub on ${node1.name} after ${figures.bootSeconds ?? '?'} s: ${JSON.stringify(first)} then ${JSON.stringify(before)}`,
  );
  if (
    !push(
      `${node1.name}: the stub guest runs (boot stamp set, counter moving)`,
      Boolean(first && before && before.stamp === first.stamp && before.counter > first.counter),
      `first ${JSON.stringify(first)}, 3 s later ${JSON.stringify(before)} (waited ${Math.round(bootTimeoutMs / 1000)} s at most)`,
    )
  )
    return { checks, figures };

  // 4. the migration, by the documented command
  const t = performance.now();
  const mig = await node1.ssh(`openve vm migrate ${MIG_VM} ${node2.name} --online`, 30 * 60_000);
  figures.migrateWallSeconds = Math.round((performance.now() - t) / 100) / 10;
  const fin = parseFinished(mig.stdout);
  figures.taskSeconds = fin?.seconds ?? null;
  figures.downtimeMs = fin?.downtimeMs ?? null;
  figures.finishedLine = fin?.line ?? null;
  log(`cluster: openve vm migrate (${figures.migrateWallSeconds} s):\n${out(mig)}`);
  if (
    !push(
      `openve vm migrate ${MIG_VM} ${node2.name} --online: task ok (${fin?.line ?? 'no finished line'})`,
      mig.exitCode === 0 && fin !== null,
      out(mig),
    )
  ) {
    const st = await node1.ssh(
      `virsh -c qemu:///system domstate vm-${MIG_VM}; journalctl -u openve-manager -n 40 --no-pager`,
    );
    log(`cluster: after the failed migration, on ${node1.name}: ${out(st)}`);
    return { checks, figures };
  }

  // 5. on node2: running, same boot, counter went on; data identical
  const after = await readStub(node2.ssh);
  await sleep(3000);
  const later = await readStub(node2.ssh);
  push(
    `${node2.name}: the VM runs on with the same boot stamp and its counter went on (no reboot)`,
    Boolean(
      before &&
      after &&
      later &&
      after.stamp === before.stamp &&
      later.stamp === before.stamp &&
      after.counter > before.counter &&
      later.counter > after.counter,
    ),
    `on ${node1.name} before: ${JSON.stringify(before)}; on ${node2.name} after: ${JSON.stringify(after)}, 3 s later ${JSON.stringify(later)}`,
  );
  const data2 = await node2.ssh(
    `virsh -c qemu:///system domstate vm-${MIG_VM}; lvs --noheadings -o lv_name,pool_lv openve/vm-${MIG_VM}-disk-0; ` +
      `head -c ${DATA_MIB}M /dev/openve/vm-${MIG_VM}-disk-0 | sha256sum | cut -d' ' -f1`,
    120_000,
  );
  push(
    `${node2.name}: VM running, its thin volume holds the data written on ${node1.name}`,
    /^running$/m.test(data2.stdout) &&
      /vm-192-disk-0\s+data/.test(data2.stdout) &&
      new RegExp(`^${dataSha}$`, 'm').test(data2.stdout),
    `want data ${dataSha}: ${out(data2)}`,
  );
  // 6. gone from node1, with its volume and its config
  const gone = await node1.ssh(
    `virsh -c qemu:///system dominfo vm-${MIG_VM} >/dev/null 2>&1 && echo domain-still-there; ` +
      `lvs openve/vm-${MIG_VM}-disk-0 >/dev/null 2>&1 && echo volume-still-there; ` +
      `openve vm list | grep -E '^\\s*${MIG_VM}\\b' && echo still-listed; echo checked`,
    60_000,
  );
  push(
    `${node1.name}: the VM, its volume and its config are gone (openve vm list, virsh, lvs)`,
    /^checked$/m.test(gone.stdout) && !/still-(there|listed)/.test(gone.stdout),
    out(gone),
  );
  return { checks, figures };
}
