// GENERATED from templates/cluster by test/unit/provision/templates.test.ts
// (UPDATE_TEMPLATES=1 npx vitest run test/unit/provision/templates.test.ts); do not edit.
export const TEMPLATES: Record<string, string> = {
  'cluster/corosync.conf.hbs':
    '# corosync.conf written by pveca (openve). Every change bumps config_version and is pushed to\n# all members by the master before `corosync-cfgtool -R`; edit on the master with pveca.\ntotem {\n  version: 2\n  cluster_name: {{clusterName}}\n  config_version: {{configVersion}}\n  transport: knet\n  crypto_cipher: aes256\n  crypto_hash: sha256\n  token: {{tokenMs}}\n  keyfile: {{keyfile}}\n  interface {\n    linknumber: 0\n  }\n}\n\nnodelist {\n{{#each nodes}}\n  node {\n    nodeid: {{nodeid}}\n    name: {{name}}\n    ring0_addr: {{address}}\n    quorum_votes: 1\n  }\n{{/each}}\n}\n\nquorum {\n  provider: corosync_votequorum\n{{#if twoNode}}\n  two_node: 1\n{{/if}}\n}\n\nlogging {\n  to_syslog: yes\n  timestamp: on\n{{#if logfile}}\n  to_logfile: yes\n  logfile: {{logfile}}\n{{/if}}\n}\n{{#if stateDir}}\n\nsystem {\n  state_dir: {{stateDir}}\n}\n{{/if}}\n',
};
