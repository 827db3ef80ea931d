// Move a guest to another node of the cluster. A VM: the node's preconditions (GET .../migrate:
// running or not, local disks that will be mirrored, the target nodes and why one is not allowed),
// online when it runs. A container: restart mode (shut down, move, start on the target) when it
// runs. Then the migration task live (progress and log); when it ends well, the guest's page on
// its new node.
import { Alert, Button, Checkbox, Group, Modal, Radio, Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import {
  MigratePreconditionsSchema,
  type MigratePreconditions,
} from '../../contracts/manager/migrate.ts';
import { TaskStartedSchema } from '../../contracts/manager/views.ts';
import { ApiError, hasRoute, get, request } from './api.ts';
import { bytes } from './format.ts';
import { hrefOf } from './route.ts';
import { useCluster } from './store.tsx';
import { FollowTask } from './wizard.tsx';

type Target = MigratePreconditions['targets'][number];

/** the targets as the cluster list knows them (for a container, or a node without the GET) */
export function clusterTargets(
  nodes: { node: string; status: string }[],
  self: string,
  why?: string,
): Target[] {
  return nodes
    .filter((n) => n.node !== self)
    .map((n) => {
      const online = n.status === 'online';
      const reason = !online ? 'node is offline' : why;
      return { node: n.node, online, allowed: !reason, ...(reason ? { reason } : {}) };
    });
}

export function MigrateDialog({
  node,
  kind,
  id,
  running,
  opened,
  onClose,
}: {
  node: string;
  kind: 'vm' | 'ct';
  id: number;
  running: boolean;
  opened: boolean;
  onClose(): void;
}) {
  const c = useCluster();
  const base = `/nodes/${encodeURIComponent(node)}/${kind}s/${id}`;
  const [pre, setPre] = useState<MigratePreconditions | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [target, setTarget] = useState<string | null>(null);
  const [restart, setRestart] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [task, setTask] = useState<{ id: string; target: string } | null>(null);

  // a fresh dialog each time it opens; not when the tree reloads (c.nodes) while a task runs
  useEffect(() => {
    if (!opened) return;
    setTask(null);
    setError(null);
  }, [opened]);
  useEffect(() => {
    if (!opened) return;
    let live = true;
    setPre(null);
    setLoadError(null);
    void (async () => {
      const fromCluster = (why?: string): MigratePreconditions => ({
        running,
        localDisks: [],
        targets: clusterTargets(c.nodes, node, why),
      });
      try {
        if (kind === 'ct') return live && setPre(fromCluster());
        if (!(await hasRoute('/nodes/{node}/vms/{id}/migrate')))
          return live && setPre(fromCluster(`the manager on ${node} cannot migrate VMs yet`));
        const p = await get(`${base}/migrate`, MigratePreconditionsSchema);
        if (live) setPre(p);
      } catch (e) {
        if (live) setLoadError((e as Error).message);
      }
    })();
    return () => {
      live = false;
    };
  }, [opened, base, kind, node, running, c.nodes]);

  const allowed = pre?.targets.filter((t) => t.allowed) ?? [];
  const chosen = target && allowed.some((t) => t.node === target) ? target : null;
  useEffect(() => {
    if (!chosen && allowed.length === 1) setTarget(allowed[0]!.node);
  }, [chosen, allowed]);
  const needsRestart = kind === 'ct' && running;
  const ready = chosen !== null && !busy && (!needsRestart || restart);

  const migrate = async () => {
    if (!chosen) return;
    setBusy(true);
    setError(null);
    try {
      const body =
        kind === 'vm' ? { target: chosen, online: running } : { target: chosen, restart };
      const r = await request('POST', `${base}/migrate`, TaskStartedSchema, { body });
      c.track(r.task);
      setTask({ id: r.task, target: chosen });
    } catch (e) {
      setError(
        e instanceof ApiError
          ? e.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')
          : (e as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };

  const what = kind === 'vm' ? `VM ${id}` : `container ${id}`;
  return (
    <Modal opened={opened} onClose={onClose} title={`Migrate ${what}`} size="lg">
      {task ? (
        <FollowTask
          id={task.id}
          title={`Migrating ${what} to ${task.target}`}
          onDone={(ok) => {
            if (!ok) return;
            // the guest has left its node: this node's events do not say so when it was another's
            c.refresh();
            onClose();
            location.hash = hrefOf({ page: 'guest', node: task.target, kind, id });
          }}
        >
          <StopTask id={task.id} />
        </FollowTask>
      ) : (
        <Stack>
          {loadError && (
            <Alert color="red" role="alert">
              {loadError}
            </Alert>
          )}
          {!pre && !loadError && <Text c="dimmed">Checking where {what} can go...</Text>}
          {pre && (
            <>
              <Text size="sm">
                {kind === 'vm'
                  ? pre.running
                    ? 'Online migration: the VM keeps running while its memory is copied.'
                    : 'Offline migration: the VM is stopped; its configuration and disks move.'
                  : running
                    ? 'The container runs: it is shut down, moved and started on the target.'
                    : 'The container is stopped: its configuration and root disk move.'}
              </Text>
              {pre.targets.length === 0 ? (
                <Alert color="yellow" role="status">
                  This cluster has no node other than {node}: there is nowhere to migrate to.
                </Alert>
              ) : (
                <Radio.Group
                  label="Target node"
                  value={chosen}
                  onChange={setTarget}
                  name="migrate-target"
                >
                  <Stack gap="xs" mt="xs">
                    {pre.targets.map((t) => (
                      <Radio
                        key={t.node}
                        value={t.node}
                        disabled={!t.allowed}
                        label={`${t.node}${t.online ? '' : ' (offline)'}`}
                        description={t.allowed ? undefined : (t.reason ?? 'not allowed')}
                      />
                    ))}
                  </Stack>
                </Radio.Group>
              )}
              {pre.localDisks.length > 0 && (
                <Table aria-label="Local disks" fz="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Disk</Table.Th>
                      <Table.Th>Volume</Table.Th>
                      <Table.Th>Size</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {pre.localDisks.map((d) => (
                      <Table.Tr key={d.disk}>
                        <Table.Td>{d.disk}</Table.Td>
                        <Table.Td>{d.volume}</Table.Td>
                        <Table.Td>{bytes(d.size)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                  <Table.Caption>
                    Local disks: copied (mirrored) to the target&apos;s storage of the same name.
                  </Table.Caption>
                </Table>
              )}
              {needsRestart && (
                <Checkbox
                  label="Restart the container (it is down while it moves)"
                  checked={restart}
                  onChange={(e) => setRestart(e.currentTarget.checked)}
                />
              )}
            </>
          )}
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={() => void migrate()} disabled={!ready} loading={busy}>
              Migrate
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** "Stop migration": DELETE /tasks/{id}; the guest stays where it was (a 409 says why not) */
function StopTask({ id }: { id: string }) {
  const c = useCluster();
  const [state, setState] = useState<'idle' | 'busy' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  const t = c.tasks.find((x) => x.id === id);
  if (t && t.status !== 'running') return null;
  const stop = async () => {
    setState('busy');
    setError(null);
    try {
      await request('DELETE', `/tasks/${encodeURIComponent(id)}`, TaskStartedSchema);
      setState('sent');
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setState('idle');
    }
  };
  return (
    <Stack gap="xs">
      {error && (
        <Alert color="orange" role="alert" aria-label="Stop refused">
          {error}
        </Alert>
      )}
      <Group>
        <Button
          color="red"
          variant="outline"
          onClick={() => void stop()}
          loading={state === 'busy'}
          disabled={state === 'sent'}
        >
          {state === 'sent' ? 'Stopping: rolling back...' : 'Stop migration'}
        </Button>
      </Group>
    </Stack>
  );
}
