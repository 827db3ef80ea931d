// Every file pveca and the first-boot runner touch, under a configurable root (env OPENVE_ROOT or
// --root, default /) so that tests can run several nodes on one machine.
import path from 'node:path';

export interface NodePaths {
  root: string;
  corosyncConf: string;
  authkey: string;
  clusterJson: string;
  /** private: the join token (0600), the service's key and certificate */
  clusterDir: string;
  token: string;
  certPem: string;
  keyPem: string;
  /** the cluster CA (key 0600, on every member) and this node's certificate signed by it */
  caCert: string;
  caKey: string;
  nodeCert: string;
  nodeKey: string;
  /** libvirt and QEMU TLS (set up by pveca from the cluster CA): the PKI root, their configs */
  pkiDir: string;
  libvirtdConf: string;
  qemuConf: string;
  etcGroup: string;
  /** corosync runtime directory when rooted (state_dir), unused on a real node */
  corosyncStateDir: string;
  corosyncLog: string;
  serviceLog: string;
  servicePid: string;
  nodeJson: string;
  firstBootDir: string;
  firstBootHook: string;
  firstBootDone: string;
  installLogDir: string;
}

export function resolveRoot(flag?: string): string {
  return path.resolve(flag ?? process.env.OPENVE_ROOT ?? '/');
}

export function nodePaths(root = '/'): NodePaths {
  const p = (...parts: string[]) => path.join(root, ...parts);
  return {
    root,
    corosyncConf: p('etc/corosync/corosync.conf'),
    authkey: p('etc/corosync/authkey'),
    clusterJson: p('etc/openve/cluster.json'),
    clusterDir: p('etc/openve/cluster'),
    token: p('etc/openve/cluster/token'),
    certPem: p('etc/openve/cluster/cert.pem'),
    keyPem: p('etc/openve/cluster/key.pem'),
    caCert: p('etc/openve/cluster/ca.pem'),
    caKey: p('etc/openve/cluster/ca.key'),
    nodeCert: p('etc/openve/cluster/node.pem'),
    nodeKey: p('etc/openve/cluster/node.key'),
    pkiDir: p('etc/pki'),
    libvirtdConf: p('etc/libvirt/libvirtd.conf'),
    qemuConf: p('etc/libvirt/qemu.conf'),
    etcGroup: p('etc/group'),
    corosyncStateDir: p('var/lib/corosync'),
    corosyncLog: p('var/log/corosync/corosync.log'),
    serviceLog: p('var/log/openve-cluster.log'),
    servicePid: p('run/openve-cluster.pid'),
    nodeJson: p('etc/openve/node.json'),
    firstBootDir: p('var/lib/openve/first-boot'),
    firstBootHook: p('var/lib/openve/first-boot/hook'),
    firstBootDone: p('var/lib/openve/first-boot/done'),
    installLogDir: p('var/log/openve-install'),
  };
}

/** true when pveca manages a node below / (tests): corosync.conf then names per-node paths. */
export const isRooted = (paths: NodePaths): boolean => paths.root !== '/';
