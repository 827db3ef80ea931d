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
import { ApiError } from '../api/errors.ts';
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

interface PeerState {
  /** the member's last answer and when it came (performance.now()) */
  answer?: { r: PeerResources; at: number };
  /** the end of the last request to it, and its error (undefined: it answered) */
  doneAt?: number;
  error?: string;
  inflight?: Promise<void>;
  /** how many times the member said its guests changed (POST /peer/v1/changed) */
  changed?: number;
  /** `changed` when the request in flight started / when the last finished request started */
  inflightFor?: number;
  answeredFor?: number;
}

type LocalSnap = { r: PeerResources; json: string; version: number };

/** the view waits for a member whose last request ended longer ago than this (an idle view) */
const STALE_MS = 3000;
/** a member whose last answer is this old is shown offline even while a request to it waits */
const OFFLINE_MS = 4500;
/** changes of this node's guests within this long are announced to the members once */
const ANNOUNCE_MS = 50;
/** this node's own part is read again at least this often (its usage moves) */
const LOCAL_MAX_AGE_MS = 1000;

export class ClusterService {
  readonly membership: MembershipSource;
  readonly client: PeerClient;
  readonly ids: IdAllocator;
  private readonly lastFile: string;
  private last: LastKnown;

  constructor(private readonly o: ClusterOptions) {
    this.membership = new MembershipSource(o.clusterRoot, o.log);
    this.client = new PeerClient(o.peerPort);
    this.ids = new IdAllocator(this);
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

  /**
   * Throws 503 naming the missing quorum unless this node is in a quorate partition: for writes that
   * need the cluster (guest id allocation, migrations, evacuation): `what` needs it, `why`, and
   * the request field the error names.
   * Reads never call this: without quorum they still answer (last known state of the others).
   */
  async requireQuorum(what: string, why: string, field: string): Promise<QuorumStatus> {
    const m = this.membership.get();
    const q = await this.o.quorum().catch(() => undefined);
    if (m && !q?.quorate)
      throw new ApiError(503, {
        path: field,
        message: `quorum missing: node ${m.self} is not in a quorate partition of cluster '${m.clusterName}' (corosync ${q?.running ? 'not quorate' : 'not running'}): ${what} needs quorum (${why}); reads still work`,
      });
    return q!;
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

  /** per member: its last answer, the last attempt's end and error, the request in flight */
  private readonly peerState = new Map<string, PeerState>();
  /** bumped whenever a member's answer or error changes (the assembled view is kept until then) */
  private version = 0;
  private assembled: { key: string; view: ClusterResources } | undefined;
  private localSnap: { at: number; r: PeerResources; json: string; version: number } | undefined;
  private localVersion = 0;

  /**
   * A guest of this node changed (hub event): the local part is read again on the next use, and
   * the other members are told (POST /peer/v1/changed over the managers' mutual TLS, once per
   * ANNOUNCE_MS), so their next read waits for this node's fresh answer instead of serving one from
   * before the change.
   */
  localChanged(): void {
    this.localSnap = undefined;
    if (this.announceTimer) return;
    this.announceTimer = setTimeout(() => {
      this.announceTimer = undefined;
      const m = this.membership.get();
      if (!m) return;
      for (const n of m.nodes)
        if (n.name !== m.self)
          void this.client
            .request(m, n, {
              method: 'POST',
              path: `${PEER_PREFIX}/changed`,
              body: '{}',
              timeoutMs: this.o.timeoutMs ?? 2000,
            })
            .catch(() => undefined);
    }, ANNOUNCE_MS);
    this.announceTimer.unref();
  }
  private announceTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Member `name` said its guests changed: its answer is fetched again at once, and until that
   * answer (or failure) is in, reads wait for it (bounded by the per-member timeout). Returns
   * whether `name` is another member.
   */
  peerChanged(name: string): boolean {
    const m = this.membership.get();
    const n = m?.nodes.find((x) => x.name === name && x.name !== m.self);
    if (!m || !n) return false;
    const st = this.stateOf(name);
    st.changed = (st.changed ?? 0) + 1;
    void this.freshAfterChange(m, n);
    return true;
  }

  /** a request started after the member's last change notice has ended */
  private freshAfterChange(m: Membership, n: MemberNode): Promise<void> {
    const st = this.stateOf(n.name);
    const want = st.changed ?? 0;
    if ((st.answeredFor ?? 0) >= want) return Promise.resolve();
    if (st.inflight && (st.inflightFor ?? 0) >= want) return st.inflight;
    // a request from before the notice: its answer may be older than the change
    return (st.inflight ?? Promise.resolve()).then(() => {
      if ((st.answeredFor ?? 0) >= want) return undefined;
      return st.inflight ?? this.refresh(m, n);
    });
  }

  /**
   * This node's own resources and their JSON (what the peers are sent), read again after a
   * change (localChanged) or once they are LOCAL_MAX_AGE_MS old (the node's usage moves).
   */
  local(): LocalSnap {
    const now = performance.now();
    const snap = this.localSnap;
    if (snap && now - snap.at < LOCAL_MAX_AGE_MS) return snap;
    const r = this.o.local();
    const json = JSON.stringify(r);
    if (snap && snap.json === json) {
      snap.at = now;
      return snap;
    }
    this.localSnap = { at: now, r, json, version: ++this.localVersion };
    return this.localSnap;
  }

  private stateOf(name: string): PeerState {
    let st = this.peerState.get(name);
    if (!st) this.peerState.set(name, (st = {}));
    return st;
  }

  /** asks the member again unless a request to it is in flight (then that one is joined) */
  private refresh(m: Membership, n: MemberNode): Promise<void> {
    const st = this.stateOf(n.name);
    if (st.inflight) return st.inflight;
    const asked = st.changed ?? 0;
    st.inflightFor = asked;
    const p = (async () => {
      try {
        const r = await this.fetchResources(m, n);
        const wall = new Date().toISOString();
        const before = this.last[n.name]?.resources;
        st.answer = { r, at: performance.now() };
        st.error = undefined;
        this.last[n.name] = { at: wall, resources: r };
        // on disk only when its guests changed, not on every answer
        if (!before || JSON.stringify(before.guests) !== JSON.stringify(r.guests)) this.saveLast();
      } catch (err) {
        st.error = (err as Error).message.split('\n')[0] ?? 'failed';
      } finally {
        st.doneAt = performance.now();
        // answered or failed (then shown offline): either way no read waits for it again
        st.answeredFor = Math.max(st.answeredFor ?? 0, asked);
        st.inflight = undefined;
        this.version++;
      }
    })();
    st.inflight = p;
    return p;
  }

  /**
   * Every member's resources; offline ones with their last known guests. Served from each
   * member's last answer, refreshed in the background once it is `maxAgeMs` old (one request in
   * flight per member at most); a request waits only for a member never asked yet, or whose last
   * answer is older than STALE_MS while nobody was asking (an idle view), bounded by the
   * per-member timeout. `maxAgeMs` 0 (id allocation): waits for a fresh answer of every member.
   */
  async resources(maxAgeMs = 1000): Promise<ClusterResources> {
    const m = this.membership.get();
    const local = this.local();
    if (!m) {
      const at = new Date().toISOString();
      return {
        cluster: null,
        nodes: [this.localNode(local.r, at)],
        guests: local.r.guests.map((g) => ({ ...g, node: local.r.node, stale: false })),
      };
    }
    const now = performance.now();
    const waits: Promise<void>[] = [];
    for (const n of m.nodes) {
      if (n.name === m.self) continue;
      const st = this.stateOf(n.name);
      if ((st.changed ?? 0) > (st.answeredFor ?? 0)) waits.push(this.freshAfterChange(m, n));
      else if (maxAgeMs === 0 || st.doneAt === undefined) waits.push(this.refresh(m, n));
      else if (!st.inflight && now - st.doneAt > STALE_MS) waits.push(this.refresh(m, n));
      else if (now - st.doneAt >= maxAgeMs) void this.refresh(m, n);
    }
    if (waits.length) await Promise.all(waits);
    return this.assemble(m, local);
  }

  private localNode(r: PeerResources, at: string, n?: MemberNode): ClusterNodeView {
    return {
      name: r.node,
      nodeid: n?.nodeid ?? null,
      address: n?.address ?? null,
      local: true,
      online: true,
      lastSeen: at,
      status: r.status,
      storages: r.storages,
    };
  }

  /** the view from the members' last answers; kept until an answer, the local part or time changes it */
  private assemble(m: Membership, local: LocalSnap): ClusterResources {
    const now = performance.now();
    // a member whose last answer is older than OFFLINE_MS is offline even while a request waits
    const online = (st: PeerState) =>
      st.error === undefined && st.answer !== undefined && now - st.answer.at < OFFLINE_MS;
    const key = [
      this.version,
      local.version,
      m.clusterName,
      m.nodes.map((n) => `${n.name}:${online(this.stateOf(n.name)) ? 1 : 0}`).join(','),
      // lastSeen of this node is "now": at most once a second
      Math.floor(Date.now() / 1000),
    ].join('|');
    if (this.assembled?.key === key && this.assembledFor === m) return this.assembled.view;
    const at = new Date().toISOString();
    const tag = (r: PeerResources, stale: boolean) =>
      r.guests.map((g) => ({ ...g, node: r.node, stale }));
    const nodes: ClusterNodeView[] = [];
    const guests: ClusterResources['guests'] = [];
    for (const n of m.nodes) {
      if (n.name === m.self) {
        nodes.push(this.localNode(local.r, at, n));
        guests.push(...tag(local.r, false));
        continue;
      }
      const st = this.stateOf(n.name);
      const up = online(st);
      const known = this.last[n.name];
      const r = up ? st.answer?.r : undefined;
      nodes.push({
        name: n.name,
        nodeid: n.nodeid,
        address: n.address,
        local: false,
        online: up,
        // the time of the member's last answer
        lastSeen: known?.at ?? null,
        ...(!up
          ? {
              error:
                st.error ?? `no answer for ${Math.round((now - (st.answer?.at ?? 0)) / 1000)} s`,
            }
          : {}),
        status: r ? r.status : null,
        storages: (r ?? known?.resources)?.storages ?? [],
      });
      if (known) guests.push(...tag(known.resources, !up));
    }
    // members that left are forgotten
    let changed = false;
    for (const name of Object.keys(this.last))
      if (!m.nodes.some((n) => n.name === name)) {
        delete this.last[name];
        this.peerState.delete(name);
        changed = true;
      }
    if (changed) this.saveLast();
    guests.sort((a, b) => a.id - b.id || a.node.localeCompare(b.node));
    const view = { cluster: m.clusterName, nodes, guests };
    this.assembled = { key, view };
    this.assembledFor = m;
    return view;
  }
  private assembledFor: Membership | undefined;

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
