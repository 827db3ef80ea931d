import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  addNode,
  ClusterChangeError,
  newCluster,
  quorumNeeded,
  removalKeepsQuorum,
  removeNode,
} from '../../../provision/cluster/model.ts';
import { parseQuorumtool } from '../../../provision/cluster/status.ts';
import { clusterView, formatView } from '../../../provision/cluster/commands/index.ts';
import {
  helloProof,
  signPush,
  tokensEqual,
  verifyPush,
} from '../../../provision/cluster/protocol.ts';
import type { ClusterState } from '../../../provision/cluster/state.ts';

const base = newCluster('lab', { name: 'pve1', address: '10.0.0.1' });
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ClusterChangeError ? err.code : String(err);
  }
  return 'no error';
};

describe('cluster model', () => {
  test('adding assigns the next nodeid and bumps config_version', () => {
    const two = addNode(base, { name: 'pve2', address: '10.0.0.2' });
    expect(two.nodes.at(-1)).toEqual({ nodeid: 2, name: 'pve2', address: '10.0.0.2' });
    expect(two.configVersion).toBe(2);
    const gap = addNode(removeNode(addNode(two, { name: 'pve3', address: '10.0.0.3' }), 'pve2'), {
      name: 'pve4',
      address: '10.0.0.4',
    });
    expect(gap.nodes.map((n) => n.nodeid)).toEqual([1, 3, 4]); // nodeids are never reused
  });

  test('name clash, already member, address clash are told apart', () => {
    expect(code(() => addNode(base, { name: 'pve1', address: '10.0.0.1' }))).toBe('already-member');
    expect(code(() => addNode(base, { name: 'pve1', address: '10.0.0.9' }))).toBe('name-clash');
    expect(code(() => addNode(base, { name: 'pve9', address: '10.0.0.1' }))).toBe('address-clash');
    expect(code(() => removeNode(base, 'nope'))).toBe('unknown-node');
    expect(() => addNode(base, { name: 'pve2', address: '10.0.0.300' })).toThrow(
      /not a valid IPv4 or IPv6 address/,
    );
    expect(() => newCluster('this-name-is-too-long', { name: 'a', address: '10.0.0.1' })).toThrow(
      /1-15 letters, digits/,
    );
  });

  test('quorum: majority, two_node keeps a pair alive on one', () => {
    expect([1, 2, 3, 4, 5].map(quorumNeeded)).toEqual([1, 1, 2, 3, 3]);
    const three = addNode(addNode(base, { name: 'pve2', address: '10.0.0.2' }), {
      name: 'pve3',
      address: '10.0.0.3',
    });
    expect(removalKeepsQuorum(three, 'pve3', new Set([1, 2]))).toBe(true);
    expect(removalKeepsQuorum(three, 'pve3', new Set([1]))).toBe(true); // 2 left, two_node
    const four = addNode(three, { name: 'pve4', address: '10.0.0.4' });
    expect(removalKeepsQuorum(four, 'pve4', new Set([1]))).toBe(false); // 1 of 3
  });
});

describe('corosync-quorumtool -s', () => {
  test('parses members and votes (real output of a two-node cluster)', () => {
    const text = readFileSync(new URL('./fixtures/quorumtool-2node.txt', import.meta.url), 'utf8');
    expect(parseQuorumtool(text, 0)).toEqual({
      running: true,
      quorate: true,
      localNodeid: 1,
      expectedVotes: 2,
      totalVotes: 2,
      quorum: 1,
      members: [1, 2],
    });
  });
  test('not running: "Cannot initialize CMAP service", exit 1', () => {
    expect(parseQuorumtool('Cannot initialize CMAP service\n', 1)).toEqual({
      running: false,
      quorate: false,
      members: [],
    });
  });
  test('the -l table marks roles, local node and offline members', () => {
    const three = addNode(addNode(base, { name: 'pve2', address: '10.0.0.2' }), {
      name: 'pve3',
      address: '10.0.0.3',
    });
    const state = {
      nodeName: 'pve2',
      master: { name: 'pve1', address: '10.0.0.1', fingerprint: 'x' },
    } as ClusterState;
    const view = clusterView(three, state, {
      running: true,
      quorate: true,
      members: [1, 2],
      totalVotes: 2,
      expectedVotes: 3,
      quorum: 2,
    });
    expect(formatView(view)).toBe(
      [
        'Cluster: lab (config version 3)',
        'Quorum:  quorate (2 of 3 votes, 2 needed)',
        '',
        'Nodeid  Name          Address   Role    Status',
        '     1  pve1          10.0.0.1  master  online',
        '     2  pve2 (local)  10.0.0.2  node    online',
        '     3  pve3          10.0.0.3  node    offline',
      ].join('\n'),
    );
  });
});

describe('protocol helpers', () => {
  test('token comparison', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
  });
  test('config pushes are signed with the authkey (time and body)', () => {
    const key = Buffer.alloc(32, 7);
    const now = String(Date.now());
    const sig = signPush(key, now, '{"a":1}');
    expect(verifyPush(key, now, '{"a":1}', sig)).toBe(true);
    expect(verifyPush(key, now, '{"a":2}', sig)).toBe(false);
    expect(verifyPush(key, String(Number(now) + 1), '{"a":1}', sig)).toBe(false);
    expect(verifyPush(Buffer.alloc(32, 8), now, '{"a":1}', sig)).toBe(false);
    expect(verifyPush(key, now, '{"a":1}', 'zz')).toBe(false);
    expect(verifyPush(key, 'x', '{"a":1}', sig)).toBe(false);
  });
  test('the hello proof binds token, cluster, nonce and certificate', () => {
    const p = helloProof('tok-12345678', 'lab', 'ab'.repeat(16), 'AA:BB');
    expect(p).toMatch(/^[0-9a-f]{64}$/);
    expect(helloProof('tok-12345678', 'lab', 'ab'.repeat(16), 'AA:BB')).toBe(p);
    expect(helloProof('tok-12345679', 'lab', 'ab'.repeat(16), 'AA:BB')).not.toBe(p);
    expect(helloProof('tok-12345678', 'lab2', 'ab'.repeat(16), 'AA:BB')).not.toBe(p);
    expect(helloProof('tok-12345678', 'lab', 'cd'.repeat(16), 'AA:BB')).not.toBe(p);
    expect(helloProof('tok-12345678', 'lab', 'ab'.repeat(16), 'AA:BC')).not.toBe(p);
  });
});
