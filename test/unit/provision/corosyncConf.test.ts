import { describe, expect, test } from 'vitest';
import {
  parseCorosyncConf,
  parseCorosyncSyntax,
  renderCorosyncConf,
} from '../../../provision/cluster/corosyncConf.ts';
import { addNode, newCluster, type ClusterConfig } from '../../../provision/cluster/model.ts';

const local = { keyfile: '/etc/corosync/authkey' };
const one = newCluster('lab', { name: 'pve1', address: '10.0.0.1' });
const two = addNode(one, { name: 'pve2', address: '10.0.0.2' });
const three = addNode(two, { name: 'pve3', address: '10.0.0.3' });

describe('corosync.conf rendering', () => {
  test('one node: totem with knet and crypto, nodelist, votequorum without two_node', () => {
    const text = renderCorosyncConf(one, local);
    const conf = parseCorosyncSyntax(text);
    const totem = (conf.totem as Record<string, unknown>[])[0]!;
    expect(totem).toMatchObject({
      cluster_name: 'lab',
      config_version: '1',
      transport: 'knet',
      crypto_cipher: 'aes256',
      crypto_hash: 'sha256',
      token: '1000',
      keyfile: '/etc/corosync/authkey',
    });
    const nodes = (conf.nodelist as Record<string, unknown>[])[0]!.node as Record<string, string>[];
    expect(nodes).toEqual([
      { nodeid: '1', name: 'pve1', ring0_addr: '10.0.0.1', quorum_votes: '1' },
    ]);
    expect((conf.quorum as Record<string, unknown>[])[0]).toEqual({
      provider: 'corosync_votequorum',
    });
    expect(text).not.toMatch(/two_node|system \{|logfile/);
  });

  test('two nodes: two_node: 1 (the survivor of a pair keeps quorum)', () => {
    const text = renderCorosyncConf(two, local);
    expect((parseCorosyncSyntax(text).quorum as Record<string, unknown>[])[0]).toEqual({
      provider: 'corosync_votequorum',
      two_node: '1',
    });
    expect(parseCorosyncConf(text).configVersion).toBe(2);
  });

  test('three nodes: no two_node, nodeids 1..3, config_version 3; parses back to the same model', () => {
    const text = renderCorosyncConf(three, local);
    expect(text).not.toMatch(/two_node/);
    expect(parseCorosyncConf(text)).toEqual(three);
    expect(text).toMatchInlineSnapshot(`
      "# corosync.conf written by pveca (openve). Every change bumps config_version and is pushed to
      # all members by the master before \`corosync-cfgtool -R\`; edit on the master with pveca.
      totem {
        version: 2
        cluster_name: lab
        config_version: 3
        transport: knet
        crypto_cipher: aes256
        crypto_hash: sha256
        token: 1000
        keyfile: /etc/corosync/authkey
        interface {
          linknumber: 0
        }
      }

      nodelist {
        node {
          nodeid: 1
          name: pve1
          ring0_addr: 10.0.0.1
          quorum_votes: 1
        }
        node {
          nodeid: 2
          name: pve2
          ring0_addr: 10.0.0.2
          quorum_votes: 1
        }
        node {
          nodeid: 3
          name: pve3
          ring0_addr: 10.0.0.3
          quorum_votes: 1
        }
      }

      quorum {
        provider: corosync_votequorum
      }

      logging {
        to_syslog: yes
        timestamp: on
      }
      "
    `);
  });

  test('rooted nodes (tests) get their own state_dir and logfile', () => {
    const text = renderCorosyncConf(one, {
      keyfile: '/tmp/n1/etc/corosync/authkey',
      stateDir: '/tmp/n1/var/lib/corosync',
      logfile: '/tmp/n1/log/corosync.log',
    });
    const conf = parseCorosyncSyntax(text);
    expect((conf.system as Record<string, unknown>[])[0]).toEqual({
      state_dir: '/tmp/n1/var/lib/corosync',
    });
    expect((conf.logging as Record<string, unknown>[])[0]).toMatchObject({
      to_logfile: 'yes',
      logfile: '/tmp/n1/log/corosync.log',
    });
  });

  test('inputs are validated before they reach the template', () => {
    const evil: ClusterConfig = {
      ...one,
      nodes: [{ nodeid: 1, name: 'x\n}\nquorum {', address: '10.0.0.1' }],
    };
    expect(() => renderCorosyncConf(evil, local)).toThrow(/not a valid host name/);
    expect(() => renderCorosyncConf({ ...one, clusterName: 'a b' }, local)).toThrow(/cluster name/);
    expect(() => renderCorosyncConf(one, { keyfile: '/etc/x\n}' })).toThrow(/unsafe path/);
    const dup: ClusterConfig = { ...two, nodes: two.nodes.map((n) => ({ ...n, nodeid: 1 })) };
    expect(() => renderCorosyncConf(dup, local)).toThrow(/duplicate nodeid/);
  });

  test('a hand-written corosync.conf (Proxmox style, comments) parses', () => {
    const text = `# comment\ntotem {\n cluster_name: pmx\n config_version: 7\n interface {\n  linknumber: 0\n }\n}\nnodelist {\n node {\n  name: a\n  nodeid: 4\n  ring0_addr: 192.168.1.4 # trailing\n }\n}\n`;
    expect(parseCorosyncConf(text)).toEqual({
      clusterName: 'pmx',
      configVersion: 7,
      tokenMs: 3000,
      nodes: [{ nodeid: 4, name: 'a', address: '192.168.1.4' }],
    });
    expect(() => parseCorosyncSyntax('totem {\n')).toThrow(/missing closing/);
    expect(() => parseCorosyncSyntax('}\n')).toThrow(/line 1: unmatched/);
  });
});
