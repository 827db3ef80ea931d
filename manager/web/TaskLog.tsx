// The task log at the bottom (live from the events stream) and a task's own log in a dialog.
import {
  Badge,
  Button,
  Modal,
  Progress,
  ScrollArea,
  Table,
  Text,
  UnstyledButton,
  Group,
  Stack,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { TaskDetailSchema, type TaskDetail, type TaskInfo } from '../../contracts/manager/views.ts';
import { get } from './api.ts';
import { useCluster } from './store.tsx';
import { taskLabel, time } from './format.ts';

export function StatusBadge({ t }: { t: Pick<TaskInfo, 'status' | 'error'> }) {
  const color = t.status === 'ok' ? 'green' : t.status === 'error' ? 'red' : 'blue';
  return (
    <Badge color={color} variant="light" title={t.error ?? undefined}>
      {t.status === 'ok' ? 'OK' : t.status === 'error' ? 'failed' : 'running'}
    </Badge>
  );
}

export function TaskTable({ tasks, onOpen }: { tasks: TaskInfo[]; onOpen(id: string): void }) {
  return (
    <Table
      className="task-log-table"
      striped
      highlightOnHover
      verticalSpacing={2}
      fz="sm"
      aria-label="Tasks"
    >
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Started</Table.Th>
          <Table.Th>Task</Table.Th>
          {/* on a phone: the status stays, user and error are in the task's dialog */}
          <Table.Th visibleFrom="sm">User</Table.Th>
          <Table.Th>Status</Table.Th>
          <Table.Th visibleFrom="sm">Error</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {tasks.map((t) => (
          <Table.Tr key={t.id} data-task={t.id}>
            <Table.Td>{time(t.started)}</Table.Td>
            <Table.Td>
              <UnstyledButton
                onClick={() => onOpen(t.id)}
                aria-label={`Open the log of ${taskLabel(t)}`}
                td="underline"
              >
                {taskLabel(t)}
              </UnstyledButton>
            </Table.Td>
            <Table.Td visibleFrom="sm">{t.user}</Table.Td>
            <Table.Td>
              {t.status === 'running' ? (
                <Progress value={t.progress * 100} w={80} aria-label={`${taskLabel(t)} progress`} />
              ) : (
                <StatusBadge t={t} />
              )}
            </Table.Td>
            <Table.Td visibleFrom="sm">
              <Text size="xs" c="red" truncate maw={420}>
                {t.error ?? ''}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/**
 * The task log at the bottom. On a phone it is folded to one line (the latest task and its
 * status) under the page; "Show tasks" unfolds the table.
 */
export function TaskLog({ folded = false, onFold }: { folded?: boolean; onFold?: () => void }) {
  const c = useCluster();
  const [open, setOpen] = useState<string | null>(null);
  const latest = c.tasks[0];
  return (
    <section
      aria-label="Task log"
      style={{ height: '100%', display: 'flex', flexDirection: 'column' }}
    >
      <Group px="sm" pt={4} gap="xs" wrap="nowrap" justify="space-between">
        <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
          <Text size="sm" fw={600}>
            Tasks
          </Text>
          {folded && latest && (
            <>
              <Text size="sm" truncate>
                {taskLabel(latest)}
              </Text>
              <StatusBadge t={latest} />
            </>
          )}
        </Group>
        {onFold && (
          <Button variant="subtle" size="compact-xs" onClick={onFold} aria-expanded={!folded}>
            {folded ? 'Show tasks' : 'Hide tasks'}
          </Button>
        )}
      </Group>
      <ScrollArea style={{ flex: 1, display: folded ? 'none' : undefined }} px="sm">
        {c.tasks.length === 0 ? (
          <Text size="sm" c="dimmed">
            No tasks yet.
          </Text>
        ) : (
          <TaskTable tasks={c.tasks} onOpen={setOpen} />
        )}
      </ScrollArea>
      <TaskDialog id={open} onClose={() => setOpen(null)} />
    </section>
  );
}

/** A task's status and log, following it live until it ends. */
export function TaskDialog({
  id,
  onClose,
  title,
}: {
  id: string | null;
  onClose(): void;
  title?: string;
}) {
  const c = useCluster();
  const [detail, setDetail] = useState<TaskDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const summary = c.tasks.find((t) => t.id === id);
  const status = summary?.status;
  useEffect(() => {
    if (!id) return setDetail(null);
    let live = true;
    get(`/tasks/${encodeURIComponent(id)}`, TaskDetailSchema).then(
      (d) => live && (setDetail(d), setError(null)),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
    // re-read when the task ends (its final lines and error)
  }, [id, status]);
  const extra = id ? (c.lines[id] ?? []) : [];
  const shown = detail ? [...detail.log, ...extra.filter((l) => !detail.log.includes(l))] : extra;
  const t = summary ?? detail;
  return (
    <Modal
      opened={id !== null}
      onClose={onClose}
      title={title ?? (t ? taskLabel(t) : 'Task')}
      size="xl"
    >
      <Stack>
        {t && (
          <Group>
            <StatusBadge t={t} />
            {t.status === 'running' && (
              <Progress value={t.progress * 100} style={{ flex: 1 }} aria-label="progress" />
            )}
            <Text size="xs" c="dimmed">
              {t.id}
            </Text>
          </Group>
        )}
        {t?.error && (
          <Text c="red" role="alert">
            {t.error}
          </Text>
        )}
        {error && (
          <Text c="red" role="alert">
            {error}
          </Text>
        )}
        <div className="log-lines" role="log" aria-label="Task output">
          {shown.join('\n') || 'no output yet'}
        </div>
      </Stack>
    </Modal>
  );
}
