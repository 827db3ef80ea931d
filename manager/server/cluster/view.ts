// The cluster seen from this node: every member's resources gathered in parallel over mutual TLS
// (each with a timeout), offline members shown offline with their last known guests, and the
// owner of a guest for forwarding. Each node stays the authority for its own guests; nothing here
// is a second database: the last answers are kept only so offline nodes are not hidden.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  LastKnownSchema,
  PeerResourcesSchema,
  type ClusterNodeView,
  type ClusterResources,
  type LastKnown,
  type PeerResources,
} from '../../../contracts/manager/cluster.ts';
import { parseJson } from '../../../contracts/json.ts';
import { writeFileAtomic } from '../../../lib/fs.ts';
import {
  membershipStamp,
  readMembership,
  type MemberNode,
  type Membership,
  type QuorumStatus,
} from '../../../provision/index.ts';
import { IdAllocator } from './ids.ts';
import { PEER_PREFIX, PeerClient, type PeerResponse } from './peer.ts';

export interface ClusterOptions {
  /** the root below which the node's cluster files are (/ on a node) */
  clusterRoot: string;
  peerPort: number;
  /** where the last known resources of the members are kept */
  stateDir: string;
  /** this node's own resources, from memory */
  local(): PeerResources;
  log(line: string): void;
  /** per member, for the fan-out; default 2 s */
  timeoutMs?: number;
  /** corosync's membership and quorum (guest id allocation needs quorum) */
  quorum(): Promise<QuorumStatus>;
}

/** Reads the membership again only when one of its files changed. */
export class MembershipSource {
  private stamp = '';
  private value: Membership | undefined;
  constructor(
    private readonly root: string,
    private readonly log: (line: string) => void,
  ) {}
  get(): Membership | undefined {
    const stamp = membershipStamp(this.root);
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      try {
        this.value = readMembership(this.root);
      } catch (err) {
        this.log(`cluster membership unreadable: ${(err as Error).message}`);
        this.value = undefined;
      }
    }
    return this.value;
  }
}

interface PeerAnswer {
  n: MemberNode;
  r?: PeerResources;
  error?: string;
}

export class ClusterService {
  readonly membership: MembershipSource;
  readonly client: PeerClient;
  readonly ids: IdAllocator;
  private readonly lastFile: string;
  private last: LastKnown;

  constructor(private readonly o: ClusterOptions) {
    this.membership = new MembershipSource(o.clusterRoot, o.log);
    this.client = new PeerClient(o.peerPort);
    this.ids = new IdAllocator(this, o.quorum);
    this.lastFile = path.join(o.stateDir, 'cluster-last.json');
    this.last = this.loadLast();
  }

  private loadLast(): LastKnown {
    if (!existsSync(this.lastFile)) return {};
    try {
      return parseJson(LastKnownSchema, readFileSync(this.lastFile, 'utf8'), this.lastFile);
    } catch (err) {
      this.o.log(`${(err as Error).message}: starting without last known resources`);
      return {};
    }
  }

  /** This node's name in its cluster (undefined: in no cluster). */
  selfName(): string | undefined {
    return this.membership.get()?.self;
  }

  /** Another member by name (never this node). */
  member(name: string): MemberNode | undefined {
    const m = this.membership.get();
    return m && name !== m.self ? m.nodes.find((n) => n.name === name) : undefined;
  }

  /** The member that last reported guest `id` (never this node), for forwarding. */
  ownerOf(id: number): string | undefined {
    const m = this.membership.get();
    if (!m) return undefined;
    for (const [node, known] of Object.entries(this.last))
      if (node !== m.self && this.member(node) && known.resources.guests.some((g) => g.id === id))
        return node;
    return undefined;
  }

  /** A request to another member's manager over mutual TLS. */
  peer(
    node: MemberNode,
    o: { method: string; path: string; body?: string; headers?: Record<string, string> },
    timeoutMs = 60_000,
  ): Promise<PeerResponse> {
    const m = this.membership.get();
    if (!m) return Promise.reject(new Error('this node is in no cluster'));
    return this.client.request(m, node, { ...o, timeoutMs });
  }

  private async fetchResources(m: Membership, node: MemberNode): Promise<PeerResources> {
    const res = await this.client.request(m, node, {
      method: 'GET',
      path: `${PEER_PREFIX}/resources`,
      timeoutMs: this.o.timeoutMs ?? 2000,
    });
    if (res.status !== 200) throw new Error(`answered HTTP ${res.status}`);
    const r = parseJson(
      PeerResourcesSchema,
      res.body.toString('utf8'),
      `resources of ${node.name}`,
    );
    if (r.node !== node.name) throw new Error(`answered as '${r.node}'`);
    return r;
  }

  private peers: { at: number; m: Membership; answers: Promise<PeerAnswer[]> } | undefined;

  /**
   * The other members' answers: one fan-out serves every request within `maxAgeMs` (a polling UI
   * on every node would otherwise multiply the requests by the number of members), and requests
   * that arrive while one is under way wait for it (single flight).
   */
  private peerAnswers(m: Membership, maxAgeMs: number): Promise<PeerAnswer[]> {
    const now = performance.now();
    if (this.peers && this.peers.m === m && now - this.peers.at <= maxAgeMs)
      return this.peers.answers;
    const answers = Promise.all(
      m.nodes
        .filter((n) => n.name !== m.self)
        .map(async (n): Promise<PeerAnswer> => {
          try {
            return { n, r: await this.fetchResources(m, n) };
          } catch (err) {
            return { n, error: (err as Error).message.split('\n')[0] ?? 'failed' };
          }
        }),
    );
    this.peers = { at: now, m, answers };
    return answers;
  }

  /**
   * Every member's resources, gathered in parallel; offline ones with their last known guests.
   * `maxAgeMs`: how old the other members' answers may be (0: ask them now).
   */
  async resources(maxAgeMs = 1000): Promise<ClusterResources> {
    const m = this.membership.get();
    const local = this.o.local();
    const at = new Date().toISOString();
    const localView = (extra: Partial<ClusterNodeView> = {}): ClusterNodeView => ({
      name: local.node,
      nodeid: null,
      address: null,
      local: true,
      online: true,
      lastSeen: at,
      status: local.status,
      storages: local.storages,
      ...extra,
    });
    const tag = (r: PeerResources, stale: boolean) =>
      r.guests.map((g) => ({ ...g, node: r.node, stale }));
    if (!m) return { cluster: null, nodes: [localView()], guests: tag(local, false) };
    const fetched = await this.peerAnswers(m, maxAgeMs);
    const answers: PeerAnswer[] = m.nodes.map(
      (n) => fetched.find((a) => a.n.name === n.name) ?? { n, r: local },
    );
    const nodes: ClusterNodeView[] = [];
    const guests: ClusterResources['guests'] = [];
    let changed = false;
    for (const { n, r, error } of answers) {
      if (n.name === m.self) {
        nodes.push(localView({ nodeid: n.nodeid, address: n.address }));
        guests.push(...tag(local, false));
        continue;
      }
      if (r) {
        // written to disk only when the guests changed, not on every request
        const before = this.last[n.name]?.resources;
        if (!before || JSON.stringify(before.guests) !== JSON.stringify(r.guests)) changed = true;
        this.last[n.name] = { at, resources: r };
      }
      const known = this.last[n.name];
      nodes.push({
        name: n.name,
        nodeid: n.nodeid,
        address: n.address,
        local: false,
        online: r !== undefined,
        lastSeen: known?.at ?? null,
        ...(error ? { error } : {}),
        status: r ? r.status : null,
        storages: (r ?? known?.resources)?.storages ?? [],
      });
      if (known) guests.push(...tag(known.resources, r === undefined));
    }
    // members that left are forgotten
    for (const name of Object.keys(this.last))
      if (!m.nodes.some((n) => n.name === name)) {
        delete this.last[name];
        changed = true;
      }
    if (changed) this.saveLast();
    guests.sort((a, b) => a.id - b.id || a.node.localeCompare(b.node));
    return { cluster: m.clusterName, nodes, guests };
  }

  private saveLast(): void {
    try {
      writeFileAtomic(this.lastFile, JSON.stringify(this.last), 0o600);
    } catch (err) {
      this.o.log(`cannot keep the last known resources: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.client.close();
  }
}
