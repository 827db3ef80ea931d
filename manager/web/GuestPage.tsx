// A VM or container: summary, actions (start, shutdown, stop, reboot, delete), hardware and
// options, consoles (in the page or a window of their own), graphs and the guest's tasks.
import {
  Anchor,
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
  SegmentedControl,
} from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import {
  CtDetailSchema,
  TaskStartedSchema,
  VmDetailSchema,
  type CtDetail,
  type VmDetail,
} from '../../contracts/manager/views.ts';
import { ctNesting } from '../../contracts/manager/guest.ts';
import { get, hasRoute, request } from './api.ts';
import { useCluster } from './store.tsx';
import { hrefOf, type ConsoleKind } from './route.ts';
import { mib, stateColor } from './format.ts';
import { Stat } from './NodePage.tsx';
import { GuestGraphs } from './Metrics.tsx';
import { TaskDialog, TaskTable } from './TaskLog.tsx';
import { Console, preloadConsole } from './Console.tsx';
import { MigrateDialog } from './MigrateDialog.tsx';

type Detail = VmDetail | CtDetail;

export function GuestPage({
  node,
  kind,
  id,
  tab,
}: {
  node: string;
  kind: 'vm' | 'ct';
  id: number;
  tab?: string;
}) {
  const c = useCluster();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [migrating, setMigrating] = useState(false);
  const [openTask, setOpenTask] = useState<string | null>(null);
  const base = `/nodes/${encodeURIComponent(node)}/${kind}s/${id}`;
  const listed = c.guests[node]?.find((g) => g.kind === kind && g.id === id);
  const state = listed?.state ?? detail?.state ?? 'unknown';
  const gone = c.loaded && !listed;
  // listed once and not any more: deleted (or moved away) while this page was open
  const wasListed = useRef(false);
  if (listed) wasListed.current = true;

  useEffect(() => {
    let live = true;
    const schema = kind === 'vm' ? VmDetailSchema : CtDetailSchema;
    get(`${base}`, schema).then(
      (d) => live && (setDetail(d), setError(null)),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [base, kind, listed?.name]);

  const act = async (action: string) => {
    setBusy(action);
    setActionError(null);
    try {
      const r = await request('POST', `${base}/status/${action}`, TaskStartedSchema, { body: {} });
      c.track(r.task);
    } catch (e) {
      setActionError(`${action}: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  const title = `${kind === 'vm' ? 'VM' : 'Container'} ${id}${detail ? ` (${detail.name})` : ''}`;
  const running = state === 'running';
  // the migration dialog this page opened: it stays while its task runs, also once the view lists
  // the guest on the target (a member's notice can come before the task's end), and leads there;
  // keyed, so that switching to the "not here any more" page keeps it (and its task) mounted
  const migrateDialog = (
    <MigrateDialog
      key="migrate"
      node={node}
      kind={kind}
      id={id}
      running={running}
      opened={migrating}
      onClose={() => setMigrating(false)}
    />
  );
  if (gone && (!detail || wasListed.current)) {
    const what = kind === 'vm' ? 'VM' : 'container';
    // moved (a migration, from here or elsewhere): where it is now
    const now = Object.entries(c.guests).find(
      ([n, list]) => n !== node && list.some((g) => g.kind === kind && g.id === id),
    )?.[0];
    return (
      <Stack>
        <Alert color="yellow" title={title}>
          {wasListed.current || !error
            ? `There is no ${what} ${id} on node ${node} (any more).`
            : error}{' '}
          {now ? (
            <Anchor href={hrefOf({ page: 'guest', node: now, kind, id })}>
              It is on node {now} now
            </Anchor>
          ) : (
            <Anchor href={hrefOf({ page: 'node', node })}>Node {node}</Anchor>
          )}
        </Alert>
        {/* the delete task's dialog stays open until closed */}
        <TaskDialog id={openTask} onClose={() => setOpenTask(null)} />
        {migrateDialog}
      </Stack>
    );
  }
  const stopped = state === 'shut off' || state === 'stopped';
  const tasks = c.tasks.filter((t) => t.target === `${kind}/${id}`);
  const consoles: { value: ConsoleKind; label: string }[] =
    kind === 'vm'
      ? [
          { value: 'vnc', label: 'Display (noVNC)' },
          { value: 'serial', label: 'Serial console' },
        ]
      : [{ value: 'ct', label: 'Console' }];
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Group gap="sm">
          <Title order={2}>{title}</Title>
          <Badge
            color={stateColor(state)}
            size="lg"
            aria-label={`state ${state}`}
            data-testid="guest-state"
          >
            {state}
          </Badge>
        </Group>
        <Group gap="xs" role="toolbar" aria-label="Actions">
          <Button
            size="xs"
            onClick={() => act('start')}
            disabled={running}
            loading={busy === 'start'}
          >
            Start
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() => act('shutdown')}
            disabled={!running}
            loading={busy === 'shutdown'}
          >
            Shutdown
          </Button>
          <Button
            size="xs"
            variant="default"
            color="red"
            onClick={() => act('stop')}
            disabled={!running}
            loading={busy === 'stop'}
          >
            Stop
          </Button>
          {kind === 'vm' && (
            <Button
              size="xs"
              variant="default"
              onClick={() => act('reboot')}
              disabled={!running}
              loading={busy === 'reboot'}
            >
              Reboot
            </Button>
          )}
          <Button size="xs" variant="default" onClick={() => setMigrating(true)}>
            Migrate
          </Button>
          <Button
            size="xs"
            color="red"
            variant="outline"
            onClick={() => setConfirmDelete(true)}
            disabled={!stopped}
          >
            Delete
          </Button>
        </Group>
      </Group>
      {(error || actionError) && (
        <Alert color="red" role="alert">
          {actionError ?? error}
        </Alert>
      )}
      <Tabs
        value={tab ?? 'summary'}
        onChange={(v) =>
          (location.hash = hrefOf({ page: 'guest', node, kind, id, tab: v ?? 'summary' }))
        }
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="summary">Summary</Tabs.Tab>
          <Tabs.Tab value="console">Console</Tabs.Tab>
          <Tabs.Tab value="hardware">{kind === 'vm' ? 'Hardware' : 'Resources'}</Tabs.Tab>
          <Tabs.Tab value="options">Options</Tabs.Tab>
          <Tabs.Tab value="tasks">Tasks</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="summary" pt="md">
          <Stack>
            {detail && (
              <SimpleGrid cols={{ base: 1, xs: 3 }}>
                <Stat label="State">
                  <Text>{state}</Text>
                </Stat>
                <Stat label="CPU">
                  <Text>
                    {detail.kind === 'vm'
                      ? `${detail.vcpus} vCPU, ${detail.accel === 'kvm' ? 'KVM' : 'TCG (no KVM)'}`
                      : `${detail.cores ?? 'all'} core(s)`}
                  </Text>
                </Stat>
                <Stat label="Memory">
                  <Text>{mib(detail.memory)}</Text>
                </Stat>
              </SimpleGrid>
            )}
            <GuestGraphs node={node} kind={kind} id={id} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="console" pt="md">
          <ConsoleTab node={node} kind={kind} id={id} running={running} consoles={consoles} />
        </Tabs.Panel>
        <Tabs.Panel value="hardware" pt="md">
          {detail && <Hardware d={detail} />}
        </Tabs.Panel>
        <Tabs.Panel value="options" pt="md">
          {detail && <Options d={detail} />}
        </Tabs.Panel>
        <Tabs.Panel value="tasks" pt="md">
          {tasks.length ? (
            <TaskTable tasks={tasks} onOpen={setOpenTask} />
          ) : (
            <Text c="dimmed">No tasks for this guest.</Text>
          )}
        </Tabs.Panel>
      </Tabs>
      <TaskDialog id={openTask} onClose={() => setOpenTask(null)} />
      {migrateDialog}
      <DeleteDialog
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        name={detail?.name ?? String(id)}
        what={`${kind === 'vm' ? 'VM' : 'container'} ${id}`}
        onDelete={async () => {
          const r = await request('DELETE', `${base}?confirm=${id}`, TaskStartedSchema);
          c.track(r.task);
          setConfirmDelete(false);
          setOpenTask(r.task);
        }}
      />
    </Stack>
  );
}

function ConsoleTab({
  node,
  kind,
  id,
  running,
  consoles,
}: {
  node: string;
  kind: 'vm' | 'ct';
  id: number;
  running: boolean;
  consoles: { value: ConsoleKind; label: string }[];
}) {
  const [which, setWhich] = useState<ConsoleKind>(consoles[0]!.value);
  const [open, setOpen] = useState(false);
  // the container console came after the first managers: ask the node whether it has one
  const [available, setAvailable] = useState<boolean | null>(kind === 'vm' ? true : null);
  useEffect(() => {
    if (kind === 'ct') void hasRoute('/nodes/{node}/cts/{id}/console').then(setAvailable);
  }, [kind]);
  // the code of every console offered, while the user picks one
  useEffect(() => consoles.forEach((k) => preloadConsole(k.value)), [kind]);
  if (available === null) return <Text c="dimmed">Loading...</Text>;
  if (!available)
    return (
      <Alert color="gray" title="No container console on this node">
        This node&apos;s manager does not offer a console for containers yet (it needs the
        /cts/ID/console WebSocket). Update the node to get one.
      </Alert>
    );
  const popOut = () => {
    const url = `${location.pathname}${hrefOf({ page: 'console', node, kind, id, console: which })}`;
    window.open(url, `openve-console-${kind}-${id}-${which}`, 'width=900,height=640');
  };
  return (
    <Stack>
      <Group>
        {consoles.length > 1 && (
          <SegmentedControl
            aria-label="Console type"
            value={which}
            onChange={(v) => (setWhich(v as ConsoleKind), setOpen(false))}
            data={consoles}
          />
        )}
        <Button onClick={() => setOpen(true)} disabled={!running || open}>
          Open console
        </Button>
        <Button variant="default" onClick={popOut} disabled={!running}>
          Open in a new window
        </Button>
        {open && (
          <Button variant="subtle" onClick={() => setOpen(false)}>
            Close
          </Button>
        )}
      </Group>
      {!running && <Text c="dimmed">The console is available while the guest runs.</Text>}
      {open && running && <Console node={node} kind={kind} id={id} console={which} />}
    </Stack>
  );
}

function Rows({ rows }: { rows: [string, string][] }) {
  return (
    <Table withTableBorder maw={720}>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={200}>{k}</Table.Th>
            <Table.Td style={{ wordBreak: 'break-all' }}>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Hardware({ d }: { d: Detail }) {
  if (d.kind === 'vm') {
    const cfg = d.config;
    return (
      <Rows
        rows={[
          ['Processors', `${cfg.vcpus} vCPU (${d.accel === 'kvm' ? 'KVM' : 'TCG, no KVM'})`],
          ['Memory', mib(cfg.memory)],
          ['Firmware', cfg.firmware.toUpperCase()],
          ...cfg.disks.map((x, i): [string, string] => [
            `Disk ${i}`,
            `${x.size} GiB on ${x.storage}${x.format ? ` (${x.format})` : ''}`,
          ]),
          ...cfg.nics.map((n, i): [string, string] => [
            `Network ${i}`,
            `${n.model} on ${n.bridge}${n.vlan ? `, VLAN ${n.vlan}` : ''}${n.mac ? `, ${n.mac}` : ''}`,
          ]),
          ['CD/DVD', cfg.iso ?? 'none'],
          ...(cfg.kernel
            ? [
                [
                  'Kernel',
                  `${cfg.kernel.path}${cfg.kernel.initrd ? ` + ${cfg.kernel.initrd}` : ''}`,
                ] as [string, string],
              ]
            : []),
        ]}
      />
    );
  }
  const cfg = d.config;
  return (
    <Rows
      rows={[
        ['Cores', String(cfg.cores ?? 'all')],
        ['Memory', mib(cfg.memory)],
        ['Swap', mib(cfg.swap)],
        ['Root disk', `${cfg.rootfs.size} GiB on ${cfg.rootfs.storage}`],
        ...cfg.nics.map((n): [string, string] => [
          n.name,
          `${n.bridge}, ${n.ip}${n.gateway ? ` via ${n.gateway}` : ''}${n.mac ? `, ${n.mac}` : ''}`,
        ]),
      ]}
    />
  );
}

function Options({ d }: { d: Detail }) {
  if (d.kind === 'vm') {
    const cfg = d.config;
    return (
      <Rows
        rows={[
          ['Name', cfg.name],
          ['Start at boot', cfg.onboot ? 'yes' : 'no'],
          ['Boot order', (cfg.boot ?? ['default']).join(', ')],
          ['UUID', cfg.uuid ?? ''],
        ]}
      />
    );
  }
  const cfg = d.config;
  return (
    <Rows
      rows={[
        ['Host name', cfg.hostname],
        ['Template', cfg.template],
        ['Unprivileged', cfg.unprivileged ? 'yes' : 'no'],
        ['Nesting', ctNesting(cfg) ? 'yes' : 'no'],
        ['Start at boot', cfg.onboot ? 'yes' : 'no'],
        ['SSH keys', String(cfg.sshKeys.length)],
      ]}
    />
  );
}

function DeleteDialog({
  opened,
  onClose,
  name,
  what,
  onDelete,
}: {
  opened: boolean;
  onClose(): void;
  name: string;
  what: string;
  onDelete(): Promise<void>;
}) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!opened) return;
    setTyped('');
    setError(null);
  }, [opened]);
  return (
    <Modal opened={opened} onClose={onClose} title={`Delete ${what}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (typed !== name) return setError(`type '${name}' to confirm`);
          setBusy(true);
          onDelete().then(
            () => setBusy(false),
            (err: Error) => (setBusy(false), setError(err.message)),
          );
        }}
      >
        <Stack>
          <Text>
            This deletes {what} and its disks for good. Type its name <b>{name}</b> to confirm.
          </Text>
          <TextInput
            label="Name"
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            error={error}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={busy} disabled={typed !== name}>
              Delete
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
