// What the create wizards share: the node's options, validation with the contracts' rules (the
// same functions the API runs), the steps frame, and following the creation task.
import {
  Alert,
  Button,
  Group,
  Loader,
  Progress,
  Stack,
  Stepper,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import {
  NodeOptionsSchema,
  TaskDetailSchema,
  TaskStartedSchema,
  type NodeOptions,
  type TaskDetail,
} from '../../contracts/manager/views.ts';
import type { NodeFacts } from '../../contracts/manager/guest.ts';
import { get, request } from './api.ts';
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
  const status = summary?.status ?? detail?.status ?? 'running';
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
