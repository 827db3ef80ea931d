// A node removed with `pveca -d` loses libvirt TLS access (issue 14 §1), on the two installed nodes
// of the cluster e2e, over SSH: node1 removes node2 (`--force`: node2 is online; it gets the new
// nodelist and cleans itself up), node1's libvirtd.conf then lists only node1's certificate subject
// (tls_allowed_dn_list, libvirtd restarted by pveca), and node2 - whose libvirt client certificate
// in /etc/pki is still signed by the cluster CA - is refused by node1's libvirt over qemu+tls, while
// node1's own certificate is still accepted (the refusal is the DN list, not a libvirtd that is down).
import type { CommandResult } from '../../../lib/exec/types.ts';
import type { MigrateCheck, SshIn } from './clusterMigrate.ts';

type Node = { ssh: SshIn; name: string; address: string };

const dn = (name: string) => `CN=${name},O=openve cluster node`;

/** The DNs of the active tls_allowed_dn_list line of a libvirtd.conf (null: no such line). */
export function parseAllowedDns(conf: string): string[] | null {
  const m = /^tls_allowed_dn_list\s*=\s*\[(.*)\]\s*$/m.exec(conf);
  if (!m) return null;
  return [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!);
}

export async function revocationChecks(
  node1: Node,
  node2: Node,
  log: (l: string) => void,
): Promise<MigrateCheck[]> {
  const checks: MigrateCheck[] = [];
  const push = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    log(`cluster: ${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail.slice(0, 2000)}`}`);
    return ok;
  };
  const out = (r: CommandResult) => `${r.stdout}${r.stderr}`.trim();
  const confOf = (n: Node) => n.ssh('cat /etc/libvirt/libvirtd.conf', 30_000);
  const tlsList = (from: Node, to: Node) =>
    from.ssh(
      `timeout 90 virsh -c qemu+tls://${to.address}/system list --all 2>&1; echo "virsh exit $?"`,
      120_000,
    );

  const before = await confOf(node1);
  const both = parseAllowedDns(before.stdout);
  push(
    `${node1.name}: libvirtd accepts the members' certificates only (tls_allowed_dn_list = ${node1.name}, ${node2.name})`,
    JSON.stringify(both) === JSON.stringify([dn(node1.name), dn(node2.name)]),
    `${JSON.stringify(both)}`,
  );

  const t = performance.now();
  const del = await node1.ssh(`pveca -d ${node2.name} --force`, 180_000);
  const seconds = Math.round((performance.now() - t) / 100) / 10;
  log(`cluster: pveca -d ${node2.name} --force on ${node1.name} (${seconds} s):\n${out(del)}`);
  if (
    !push(
      `${node1.name}: pveca -d ${node2.name} --force (${seconds} s)`,
      del.exitCode === 0,
      out(del),
    )
  )
    return checks;

  const after = parseAllowedDns((await confOf(node1)).stdout);
  push(
    `${node1.name}: after pveca -d the list holds ${node1.name} only`,
    JSON.stringify(after) === JSON.stringify([dn(node1.name)]),
    JSON.stringify(after),
  );
  // node2 still holds a certificate of the cluster CA (only the DN list can refuse it)
  const cert = await node2.ssh(
    'openssl verify -CAfile /etc/pki/CA/cacert.pem /etc/pki/libvirt/clientcert.pem 2>&1; ' +
      'openssl x509 -in /etc/pki/libvirt/clientcert.pem -noout -subject',
    30_000,
  );
  const refused = await tlsList(node2, node1);
  const own = await tlsList(node1, node1);
  const journal = await node1.ssh(
    "journalctl -u libvirtd --since '-5min' --no-pager 2>/dev/null | grep -i 'distinguished name' | tail -2",
    30_000,
  );
  push(
    `${node2.name} (removed, its CA-signed certificate kept) is refused by ${node1.name}'s libvirt over qemu+tls; ${node1.name}'s own certificate still accepted`,
    /: OK$/m.test(cert.stdout) &&
      !/^virsh exit 0$/m.test(refused.stdout) &&
      /^virsh exit 0$/m.test(own.stdout),
    `cert on ${node2.name}: ${out(cert)} | ${node2.name} -> ${node1.name}: ${out(refused)} | ${node1.name} -> ${node1.name}: ${out(own)} | ${node1.name}'s libvirtd log: ${out(journal)}`,
  );
  log(
    `cluster: ${node2.name} -> ${node1.name} over qemu+tls after removal: ${out(refused)}\n${node1.name}'s libvirtd: ${out(journal)}`,
  );
  return checks;
}
