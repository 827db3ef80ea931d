// TLS between the nodes' libvirts (qemu+tls:// control connection of a peer-to-peer migration,
// and QEMU's migration and NBD disk streams with --tls) uses the cluster's own PKI: the cluster CA
// and this node's certificate from `pveca`, installed where libvirt and QEMU look for them. No
// second CA to run. `pveca -c/-a/--upgrade-ca` sets it up on a node; the manager's
// `--libvirt-pki DIR` keeps the same files current (lib/net/libvirtPki.ts, shared with pveca).
export {
  libvirtPkiFiles,
  syncLibvirtPki,
  type PkiFile,
  type TlsMaterial,
} from '../../../lib/net/libvirtPki.ts';
