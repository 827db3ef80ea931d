// What every page shares: the nodes, their guests, the recent tasks, kept current by the events
// WebSocket (guest state changes and task progress pushed by the manager; no polling of guests).
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { ReactNode } from 'react';
import { ClusterResourcesSchema } from '../../contracts/manager/cluster.ts';
import {
  GuestListSchema,
  GuestViewSchema,
  ManagerEventSchema,
  NodeStatusSchema,
  TaskListSchema,
  type GuestView,
  type NodeStatus,
  type TaskInfo,
} from '../../contracts/manager/views.ts';
import * as z from 'zod';
import { get, wsUrl } from './api.ts';

export interface Cluster {
  nodes: NodeStatus[];
  guests: Record<string, GuestView[]>;
  tasks: TaskInfo[];
  /** live task log lines by task id, from the events stream */
  lines: Record<string, string[]>;
  loaded: boolean;
  error: string | null;
  /** events stream connected */
  live: boolean;
  refresh(): void;
  /** a task just started here: show it at once, before its first event */
  track(taskId: string): void;
  subscribeTask(id: string, fn: (t: TaskInfo) => void): () => void;
}

/** a member that does not answer: shown in the tree, greyed */
const OFFLINE: NodeStatus = {
  node: '',
  status: 'offline',
  accel: 'qemu',
  kvm: false,
  cgroup: '',
  cpus: 0,
  memory: { total: 0, free: 0 },
  load: [],
  uptime: 0,
  kernel: '',
};

const Ctx = createContext<Cluster | null>(null);

export function useCluster(): Cluster {
  const c = useContext(Ctx);
  if (!c) throw new Error('useCluster outside ClusterProvider');
  return c;
}

export function ClusterProvider({ children }: { children: ReactNode }) {
  const [nodes, setNodes] = useState<NodeStatus[]>([]);
  const [guests, setGuests] = useState<Record<string, GuestView[]>>({});
  const [tasks, setTasks] = useState<TaskInfo[]>([]);
  const [lines, setLines] = useState<Record<string, string[]>>({});
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const taskWatchers = useRef(new Map<string, Set<(t: TaskInfo) => void>>());
  const nodesRef = useRef<NodeStatus[]>([]);
  // the node this page is served by (in a cluster): its events are about its own guests
  const selfRef = useRef<string | null>(null);
  // a node that said it is in no cluster: its guest reloads ask for its own list only (a full
  // refresh - page load, reconnect - asks for the cluster view again)
  const aloneRef = useRef(false);

  // in a cluster: every member and its guests in one answer of this node (offline members with
  // their last known guests, state 'unknown'); alone: this node's own list
  const loadView = useCallback(async (): Promise<boolean> => {
    // a manager without the route (older, or not built with the cluster) answers like a lone node
    // no ?fresh=1: a member whose guests changed tells this node (a 'cluster' event here, and
    // this node's view waits for its fresh answer), so a reload after it sees the change
    const view = await get('/cluster/resources', ClusterResourcesSchema).catch(() => null);
    aloneRef.current = view?.cluster === null;
    if (!view || view.cluster === null || view.nodes.length === 0) return false;
    const list = view.nodes.map((n): NodeStatus => {
      const st = NodeStatusSchema.safeParse(n.status);
      return st.success && n.online ? st.data : { ...OFFLINE, node: n.name };
    });
    const byNode: Record<string, GuestView[]> = Object.fromEntries(list.map((n) => [n.node, []]));
    for (const g of view.guests) {
      const v = GuestViewSchema.safeParse(g.stale ? { ...g, state: 'unknown' } : g);
      if (v.success) byNode[g.node]?.push(v.data);
    }
    nodesRef.current = list;
    selfRef.current = view.nodes.find((n) => n.local)?.name ?? null;
    setNodes(list);
    setGuests(byNode);
    return true;
  }, []);
  const loadGuests = useCallback(async (list: NodeStatus[]) => {
    const entries = await Promise.all(
      list.map(
        async (n) =>
          [
            n.node,
            await get(`/nodes/${encodeURIComponent(n.node)}/guests`, GuestListSchema),
          ] as const,
      ),
    );
    setGuests(Object.fromEntries(entries));
  }, []);
  const loadTasks = useCallback(async () => {
    const list = await get('/tasks', TaskListSchema);
    setTasks(list);
    for (const t of list) taskWatchers.current.get(t.id)?.forEach((fn) => fn(t));
  }, []);

  const refresh = useCallback(() => {
    void (async () => {
      try {
        const clustered = loadView();
        const tasks = loadTasks();
        if (!(await clustered)) {
          const list = await get('/nodes', z.array(NodeStatusSchema));
          nodesRef.current = list;
          setNodes(list);
          await loadGuests(list);
        }
        await tasks;
        setError(null);
      } catch (e) {
        setError((e as Error).message);
      } finally {
        setLoaded(true);
      }
    })();
  }, [loadView, loadGuests, loadTasks]);

  // coalesce the reloads a burst of events asks for
  const pending = useRef<{
    guests?: ReturnType<typeof setTimeout>;
    tasks?: ReturnType<typeof setTimeout>;
  }>({});
  const later = useCallback(
    (what: 'guests' | 'tasks') => {
      if (pending.current[what]) return;
      pending.current[what] = setTimeout(() => {
        pending.current[what] = undefined;
        const run =
          what === 'guests'
            ? aloneRef.current
              ? loadGuests(nodesRef.current)
              : loadView().then((done) => (done ? undefined : loadGuests(nodesRef.current)))
            : loadTasks();
        run.catch((e: Error) => setError(e.message));
      }, 50);
    },
    [loadView, loadGuests, loadTasks],
  );

  useEffect(() => {
    refresh();
    let ws: WebSocket | null = null;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let delay = 500;
    const connect = () => {
      ws = new WebSocket(wsUrl('/events'));
      ws.onopen = () => {
        setLive(true);
        delay = 500;
        // anything missed while disconnected
        refresh();
      };
      ws.onmessage = (m) => {
        let raw: unknown;
        try {
          raw = JSON.parse(String(m.data));
        } catch {
          return;
        }
        const p = ManagerEventSchema.safeParse(raw);
        if (!p.success) return;
        const e = p.data;
        // another member's guests changed: the view is read again (it waits for that member)
        if (e.type === 'cluster') {
          later('guests');
          return;
        }
        if (e.type === 'guest') {
          let known = false;
          setGuests((all) => {
            const next: Record<string, GuestView[]> = {};
            for (const [n, list] of Object.entries(all))
              next[n] = list.map((g) => {
                if (g.kind !== e.kind || g.id !== e.id) return g;
                // listed under another node: it has just moved here (a migration)
                if (selfRef.current !== null && n !== selfRef.current) return g;
                known = true;
                return { ...g, state: e.state };
              });
            return next;
          });
          if (!known || e.state === 'missing') later('guests');
          return;
        }
        if (e.line !== undefined) {
          const line = e.line;
          setLines((all) => ({ ...all, [e.id]: [...(all[e.id] ?? []), line] }));
        }
        let known = false;
        setTasks((all) =>
          all.map((t) => {
            if (t.id !== e.id) return t;
            known = true;
            const next = { ...t, status: e.status, progress: e.progress };
            taskWatchers.current.get(t.id)?.forEach((fn) => fn(next));
            return next;
          }),
        );
        if (!known || e.status !== 'running') later('tasks');
        if (e.status !== 'running') later('guests');
      };
      ws.onclose = () => {
        setLive(false);
        if (stopped) return;
        retry = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10_000);
        // a closed stream may be an expired session: a request finds out (401 -> login page)
        later('tasks');
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      ws?.close();
    };
  }, [refresh, later]);

  const track = useCallback((_id: string) => later('tasks'), [later]);
  const subscribeTask = useCallback((id: string, fn: (t: TaskInfo) => void) => {
    const set = taskWatchers.current.get(id) ?? new Set();
    set.add(fn);
    taskWatchers.current.set(id, set);
    return () => {
      set.delete(fn);
    };
  }, []);

  const value = useMemo<Cluster>(
    () => ({ nodes, guests, tasks, lines, loaded, error, live, refresh, track, subscribeTask }),
    [nodes, guests, tasks, lines, loaded, error, live, refresh, track, subscribeTask],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
