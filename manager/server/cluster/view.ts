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

  /** Every member's resources, gathered in parallel; offline ones with their last known guests. */
  async resources(): Promise<ClusterResources> {
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
    const answers = await Promise.all(
      m.nodes.map(async (n) => {
        if (n.name === m.self) return { n, r: local, error: undefined };
        try {
          return { n, r: await this.fetchResources(m, n), error: undefined };
        } catch (err) {
          return { n, r: undefined, error: (err as Error).message.split('\n')[0] };
        }
      }),
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
