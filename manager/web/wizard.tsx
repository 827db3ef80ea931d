// What the create wizards share: the node's options, validation with the contracts' rules (the
// same functions the API runs), the steps frame, and following the creation task.
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Loader,
  NativeSelect,
  NumberInput,
  Progress,
  Stack,
  Stepper,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  NodeOptionsSchema,
  TaskDetailSchema,
  TaskStartedSchema,
  type NodeOptions,
  type TaskDetail,
} from '../../contracts/manager/views.ts';
import type { NodeFacts } from '../../contracts/manager/guest.ts';
import { ApiError, byPath, get, request } from './api.ts';
import { hrefOf } from './route.ts';
import { useCluster } from './store.tsx';
import { StatusBadge } from './TaskLog.tsx';

export function useNodeOptions(node: string): {
  options: NodeOptions | null;
  error: string | null;
} {
  const [options, setOptions] = useState<NodeOptions | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get(`/nodes/${encodeURIComponent(node)}/options`, NodeOptionsSchema).then(
      setOptions,
      (e: Error) => setError(e.message),
    );
  }, [node]);
  return { options, error };
}

/** what a wizard's form starts from */
export interface FormProps {
  node: string;
  options: NodeOptions;
  facts: NodeFacts;
  firstId: number;
}

/** Loads the node's options and the first free guest id, then shows the form they fill. */
export function WizardLoader({ node, form }: { node: string; form(o: FormProps): ReactNode }) {
  const c = useCluster();
  const { options, error } = useNodeOptions(node);
  const facts = useMemo(() => (options ? factsOf(node, options) : null), [node, options]);
  if (error)
    return (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    );
  if (!options || !facts || !c.loaded) return <Text>Loading...</Text>;
  const used = Object.values(c.guests).flatMap((l) => l.map((g) => g.id));
  return form({ node, options, facts, firstId: nextId(used) });
}

/**
 * A wizard's state: the form, the step, the issues (the contracts' rules plus what the server
 * said, by path), which of them show (a field changed, or its step left with Next), the create
 * request with the server's errors routed to their fields' steps, and the task it started.
 */
export function useWizard<F extends { start: boolean }>(
  initial: () => F,
  check: (f: F) => Record<string, string>,
) {
  const c = useCluster();
  const [f, setF] = useState<F>(initial);
  const [active, setActive] = useState(0);
  const [visited, setVisited] = useState(0);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [server, setServer] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [task, setTask] = useState<{ id: string; guest: number } | null>(null);
  const issues: Record<string, string> = { ...check(f), ...server };
  const set =
    <K extends keyof F>(k: K, path: string) =>
    (v: F[K]) => {
      setF((o) => ({ ...o, [k]: v }));
      setTouched((t) => new Set(t).add(path));
      setServer((s) => {
        const { [path]: _drop, ...rest } = s;
        return rest;
      });
    };
  const err = (path: string, step: number) =>
    touched.has(path) || visited > step || server[path] ? issues[path] : undefined;
  const go = (n: number) => {
    setVisited((v) => (n >= active ? Math.max(v, active + 1) : v));
    setActive(n);
  };
  const create = async (steps: StepDef[], path: string, body: unknown, id: number) => {
    setBusy(true);
    setFormError(null);
    try {
      const r = await request('POST', path, TaskStartedSchema, { body });
      c.track(r.task);
      setTask({ id: r.task, guest: r.id ?? id });
    } catch (e) {
      const all = e instanceof ApiError ? e.issues : [];
      const fieldIssues = all.filter((i) => stepOf(steps, i.path) >= 0);
      setServer(byPath(fieldIssues));
      if (fieldIssues[0]) setActive(stepOf(steps, fieldIssues[0].path));
      if (all.some((i) => stepOf(steps, i.path) < 0) || !all.length)
        setFormError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  /** the props of a whole-number input bound to form field `k` (API path `path`, on `step`) */
  const numberField = <K extends keyof F>(k: K, path: string, step: number) => ({
    value: String(f[k]),
    onChange: (v: string | number) => set(k, path)(String(v) as F[K]),
    error: err(path, step),
    allowDecimal: false,
  });
  /** the props of a text input bound to form field `k` */
  const textField = <K extends keyof F>(k: K, path: string, step: number) => ({
    value: String(f[k]),
    onChange: (e: { currentTarget: { value: string } }) =>
      set(k, path)(e.currentTarget.value as F[K]),
    error: err(path, step),
  });
  return {
    f,
    set,
    err,
    numberField,
    textField,
    issues,
    active,
    go,
    create,
    busy,
    formError,
    task,
  };
}

export type WizardState<F extends { start: boolean }> = ReturnType<typeof useWizard<F>>;

/** A disk: its storage and its size in GiB, side by side, bound to two fields of the form. */
export function DiskFields<F extends { start: boolean }>({
  what,
  options,
  w,
  storage,
  size,
  path,
  step,
}: {
  what: string;
  options: NodeOptions;
  w: WizardState<F>;
  storage: keyof F;
  size: keyof F;
  /** the disk's path in the API body: rootfs, disks[0] */
  path: string;
  step: number;
}) {
  return (
    <Group grow align="flex-start">
      <NativeSelect
        label={`${what} storage`}
        value={String(w.f[storage])}
        onChange={(e) => w.set(storage, `${path}.storage`)(e.currentTarget.value as F[keyof F])}
        data={options.storages.map((s) => ({ value: s.id, label: `${s.id} (${s.type})` }))}
        error={w.err(`${path}.storage`, step)}
      />
      <NumberInput
        label={`${what} size (GiB)`}
        value={String(w.f[size])}
        onChange={(v) => w.set(size, `${path}.size`)(String(v) as F[keyof F])}
        error={w.err(`${path}.size`, step)}
        min={1}
        allowDecimal={false}
      />
    </Group>
  );
}

/** The bridge of the first NIC (the form's `bridge`), or none. */
export function BridgeSelect<F extends { start: boolean; bridge: string }>({
  guest,
  options,
  w,
  step,
}: {
  guest: string;
  options: NodeOptions;
  w: WizardState<F>;
  step: number;
}) {
  return (
    <NativeSelect
      label="Bridge"
      description={
        options.bridges.length ? undefined : `This node has no bridge: the ${guest} gets no network`
      }
      value={w.f.bridge}
      onChange={(e) => w.set('bridge', 'nics[0].bridge')(e.currentTarget.value as F['bridge'])}
      data={[
        { value: '', label: 'no network' },
        ...options.bridges.map((b) => ({ value: b, label: b })),
      ]}
      error={w.err('nics[0].bridge', step)}
    />
  );
}

/** The last step: what will be made (after the node), start after creation, what is left to fix. */
export function confirmStep<F extends { start: boolean }>(
  w: WizardState<F>,
  node: string,
  rows: [string, string][],
): StepDef {
  return {
    label: 'Confirm',
    fields: [],
    body: (
      <>
        <Summary rows={[['Node', node], ...rows]} />
        <ConfirmEnd
          start={w.f.start}
          setStart={(v) => w.set('start', 'start')(v as F['start'])}
          issues={w.issues}
        />
      </>
    ),
  };
}

/** The last step's end: start after creation, and what is still to fix. */
export function ConfirmEnd({
  start,
  setStart,
  issues,
}: {
  start: boolean;
  setStart(v: boolean): void;
  issues: Record<string, string>;
}) {
  return (
    <>
      <Checkbox
        label="Start after creation"
        checked={start}
        onChange={(e) => setStart(e.currentTarget.checked)}
      />
      {Object.keys(issues).length > 0 && (
        <Alert color="red" role="alert">
          Fix first:{' '}
          {Object.entries(issues)
            .map(([p, m]) => `${p}: ${m}`)
            .join('; ')}
        </Alert>
      )}
    </>
  );
}

/** The wizard's steps, or, once the create request was taken, its task and then the guest. */
export function Wizard<F extends { start: boolean }>({
  w,
  title,
  steps,
  node,
  kind,
  name,
  onCreate,
}: {
  w: ReturnType<typeof useWizard<F>>;
  title: string;
  steps: StepDef[];
  node: string;
  kind: 'vm' | 'ct';
  name: string;
  onCreate(): void;
}) {
  if (w.task)
    return (
      <CreatedGuest
        node={node}
        kind={kind}
        id={w.task.guest}
        task={w.task.id}
        name={name}
        start={w.f.start}
      />
    );
  return (
    <WizardFrame
      title={title}
      steps={steps}
      active={w.active}
      setActive={w.go}
      issues={w.issues}
      onCreate={onCreate}
      busy={w.busy}
      formError={w.formError}
    />
  );
}

/** The node facts the contracts' parse functions check against, from what the API tells us. */
export function factsOf(node: string, o: NodeOptions): NodeFacts {
  return {
    name: node,
    accel: o.accel,
    storages: o.storages.map((s) =>
      s.type === 'lvmthin'
        ? { id: s.id, type: 'lvmthin', vg: '', pool: '' }
        : { id: s.id, type: 'dir', path: '' },
    ),
    isos: o.isos,
    isoDir: '',
    bridges: o.bridges,
    templates: o.templates,
    templateDir: '',
    lxcPath: '',
    cgroup: 'v2',
    emulator: '',
  };
}

/** '' -> undefined, a number -> the number, anything else stays a string (the schema names it) */
export function num(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** the next free guest id (100 or more) */
export function nextId(used: number[]): number {
  let id = 100;
  const taken = new Set(used);
  while (taken.has(id)) id++;
  return id;
}

export interface StepDef {
  label: string;
  /** the issue paths this step shows (prefixes) */
  fields: string[];
  body: ReactNode;
}

export const stepOf = (steps: StepDef[], path: string) =>
  steps.findIndex((s) =>
    s.fields.some((f) => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`)),
  );

export function WizardFrame({
  title,
  steps,
  active,
  setActive,
  issues,
  onCreate,
  busy,
  formError,
}: {
  title: string;
  steps: StepDef[];
  active: number;
  setActive(n: number): void;
  issues: Record<string, string>;
  onCreate(): void;
  busy: boolean;
  formError: string | null;
}) {
  const last = steps.length - 1;
  const errorsIn = (i: number) => Object.keys(issues).filter((p) => stepOf(steps, p) === i);
  const next = () => {
    if (errorsIn(active).length === 0) setActive(active + 1);
    else setActive(active); // marks the step as submitted: its errors show
  };
  return (
    <Stack>
      <Title order={2}>{title}</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (active === last) onCreate();
          else next();
        }}
        noValidate
      >
        <Stepper active={active} onStepClick={setActive} size="sm" allowNextStepsSelect={false}>
          {steps.map((s, i) => (
            <Stepper.Step
              key={s.label}
              label={s.label}
              color={errorsIn(i).length && i < active ? 'red' : undefined}
            >
              <Stack mt="md" maw={640}>
                {s.body}
              </Stack>
            </Stepper.Step>
          ))}
        </Stepper>
        {formError && (
          <Alert color="red" role="alert" mt="md" maw={640}>
            {formError}
          </Alert>
        )}
        <Group mt="lg">
          <Button
            variant="default"
            onClick={() => setActive(Math.max(0, active - 1))}
            disabled={active === 0}
          >
            Back
          </Button>
          {active < last ? (
            <Button type="submit">Next</Button>
          ) : (
            <Button type="submit" loading={busy} disabled={Object.keys(issues).length > 0}>
              Create
            </Button>
          )}
        </Group>
      </form>
    </Stack>
  );
}

export function Summary({ rows }: { rows: [string, string][] }) {
  return (
    <Table withTableBorder aria-label="Summary" maw={640}>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={180}>{k}</Table.Th>
            <Table.Td>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Follows a creation task live; `onDone` once it ended. */
export function FollowTask({
  id,
  title,
  onDone,
  children,
}: {
  id: string;
  title: string;
  onDone(ok: boolean): void;
  children?: ReactNode;
}) {
  const c = useCluster();
  const summary = c.tasks.find((t) => t.id === id);
  const [detail, setDetail] = useState<TaskDetail | null>(null);
  // whichever says the task ended wins: this node's list follows only its own tasks' events
  const status =
    detail && detail.status !== 'running' ? detail.status : (summary?.status ?? 'running');
  useEffect(() => {
    let live = true;
    get(`/tasks/${encodeURIComponent(id)}`, TaskDetailSchema).then(
      (d) => live && setDetail(d),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [id, status]);
  // a task of another node (a forwarded action) sends its events there, not here: ask for it
  // once a second while it runs (its log and its end)
  useEffect(() => {
    if (status !== 'running') return;
    const timer = setInterval(() => {
      get(`/tasks/${encodeURIComponent(id)}`, TaskDetailSchema).then(setDetail, () => {});
    }, 1000);
    return () => clearInterval(timer);
  }, [id, status]);
  useEffect(() => {
    if (status !== 'running') onDone(status === 'ok');
  }, [status]);
  const lines = detail
    ? [...detail.log, ...(c.lines[id] ?? []).filter((l) => !detail.log.includes(l))]
    : (c.lines[id] ?? []);
  const t = summary ?? detail;
  return (
    <Stack maw={800}>
      <Title order={2}>{title}</Title>
      <Group>
        {t ? <StatusBadge t={t} /> : <Loader size="sm" />}
        {status === 'running' && (
          <Progress value={(t?.progress ?? 0) * 100} style={{ flex: 1 }} aria-label="progress" />
        )}
      </Group>
      {t?.error && (
        <Alert color="red" role="alert">
          {t.error}
        </Alert>
      )}
      <div className="log-lines" role="log" aria-label="Task output">
        {lines.join('\n') || 'waiting for output...'}
      </div>
      {children}
      <Text size="xs" c="dimmed">
        {id}
      </Text>
    </Stack>
  );
}

/** After the create request: follow its task, then start the guest if asked and open its page. */
export function CreatedGuest({
  node,
  kind,
  id,
  task,
  name,
  start,
}: {
  node: string;
  kind: 'vm' | 'ct';
  id: number;
  task: string;
  name: string;
  start: boolean;
}) {
  const c = useCluster();
  const [after, setAfter] = useState<string | null>(null);
  const label = kind === 'vm' ? 'VM' : 'CT';
  const guest = hrefOf({ page: 'guest', node, kind, id });
  return (
    <FollowTask
      id={task}
      title={`Creating ${label} ${id} (${name})`}
      onDone={(ok) => {
        if (!ok) return;
        if (!start) return void (location.hash = guest);
        request(
          'POST',
          `/nodes/${encodeURIComponent(node)}/${kind}s/${id}/status/start`,
          TaskStartedSchema,
          { body: {} },
        ).then(
          (r) => (c.track(r.task), (location.hash = guest)),
          (e: Error) => setAfter(`created, but the start failed: ${e.message}`),
        );
      }}
    >
      {after && (
        <Alert color="red" role="alert">
          {after}
        </Alert>
      )}
      <Group>
        <Button component="a" href={guest} variant="default">
          Open {label} {id}
        </Button>
      </Group>
    </FollowTask>
  );
}
