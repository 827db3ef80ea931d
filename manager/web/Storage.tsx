// A node's storages with usage, their ISO images and templates, and uploads with progress.
import {
  Alert,
  Button,
  FileButton,
  Group,
  Modal,
  Paper,
  Progress,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import {
  ContentListSchema,
  StorageListSchema,
  UploadAnswerSchema,
  type StorageStatus,
} from '../../contracts/manager/views.ts';
import * as z from 'zod';
import { ApiError, get, request, upload } from './api.ts';
import { bytes } from './format.ts';

type Content = z.infer<typeof ContentListSchema>;
type Uploadable = 'iso' | 'vztmpl';
const isUploadable = (k: string): k is Uploadable => k === 'iso' || k === 'vztmpl';

export function StoragePanel({ node }: { node: string }) {
  const [list, setList] = useState<StorageStatus[] | null>(null);
  const [state, setState] = useState<'loading' | 'none' | 'ok' | string>('loading');
  const load = useCallback(() => {
    get(`/nodes/${encodeURIComponent(node)}/storage`, StorageListSchema).then(
      (l) => (setList(l), setState('ok')),
      (e: unknown) =>
        setState(e instanceof ApiError && e.status === 404 ? 'none' : (e as Error).message),
    );
  }, [node]);
  useEffect(load, [load]);
  if (state === 'loading') return <Text c="dimmed">Loading storages...</Text>;
  if (state === 'none')
    return <Text c="dimmed">No data yet: this node does not report its storages.</Text>;
  if (state !== 'ok')
    return (
      <Alert color="red" role="alert">
        {state}
      </Alert>
    );
  return (
    <Stack>
      {(list ?? []).map((s) => (
        <StorageCard key={s.id} node={node} s={s} onChange={load} />
      ))}
    </Stack>
  );
}

function StorageCard({ node, s, onChange }: { node: string; s: StorageStatus; onChange(): void }) {
  const [content, setContent] = useState<Content>([]);
  const [error, setError] = useState<string | null>(null);
  const [toDelete, setToDelete] = useState<{ name: string; content: 'iso' | 'vztmpl' } | null>(
    null,
  );
  const [progress, setProgress] = useState<{
    name: string;
    fraction: number;
    abort(): void;
  } | null>(null);
  const base = `/nodes/${encodeURIComponent(node)}/storage/${encodeURIComponent(s.id)}`;
  const kinds = s.content.filter((c): c is 'iso' | 'vztmpl' => c === 'iso' || c === 'vztmpl');
  const kindsKey = kinds.join(',');
  const loadContent = useCallback(() => {
    if (!kindsKey) return;
    get(`${base}/content`, ContentListSchema).then(setContent, (e: Error) => setError(e.message));
  }, [base, kindsKey]);
  useEffect(loadContent, [loadContent]);
  const send = (kind: 'iso' | 'vztmpl', file: File | null) => {
    if (!file) return;
    setError(null);
    const u = upload(
      `${base}/upload?content=${kind}&filename=${encodeURIComponent(file.name)}`,
      file,
      UploadAnswerSchema,
      (fraction) => setProgress((p) => (p ? { ...p, fraction } : p)),
    );
    setProgress({ name: file.name, fraction: 0, abort: u.abort });
    u.done.then(
      () => {
        setProgress(null);
        loadContent();
        onChange();
      },
      (e: ApiError) => {
        setProgress(null);
        setError(`${file.name}: ${e.message}`);
      },
    );
  };
  const pct = s.total ? (s.used / s.total) * 100 : 0;
  return (
    <Paper withBorder p="md" component="section" aria-label={`Storage ${s.id}`}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h4">
            {s.id}{' '}
            <Text span c="dimmed" size="sm">
              ({s.type}: {s.content.join(', ')})
            </Text>
          </Title>
          <Text size="sm" c={s.active ? undefined : 'red'}>
            {s.active
              ? `${bytes(s.used)} of ${bytes(s.total)} used, ${bytes(s.avail)} free`
              : 'not active'}
          </Text>
        </Group>
        <Progress value={pct} color={pct > 90 ? 'red' : 'blue'} aria-label={`${s.id} usage`} />
        {kinds.length > 0 && (
          <Group gap="xs">
            {kinds.map((k) => (
              <FileButton
                key={k}
                onChange={(f) => send(k, f)}
                accept={k === 'iso' ? '.iso' : '.tar.gz,.tar.xz,.tar.zst'}
              >
                {(props) => (
                  <Button {...props} variant="default" size="xs" disabled={progress !== null}>
                    Upload {k === 'iso' ? 'ISO image' : 'template'}
                  </Button>
                )}
              </FileButton>
            ))}
          </Group>
        )}
        {progress && (
          <Group>
            <Text size="sm">{progress.name}</Text>
            <Progress
              value={progress.fraction * 100}
              style={{ flex: 1 }}
              aria-label={`upload of ${progress.name}`}
            />
            <Button size="xs" variant="subtle" onClick={progress.abort}>
              Cancel
            </Button>
          </Group>
        )}
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        {content.length > 0 && (
          <Table.ScrollContainer minWidth={0}>
            <Table fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  {/* on a phone the name says it (.iso, .tar.*): room for the Delete button */}
                  <Table.Th visibleFrom="xs">Type</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>
                    <span className="visually-hidden">Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {content.map((c) => (
                  <Table.Tr key={c.volid}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{c.name}</Table.Td>
                    <Table.Td visibleFrom="xs">{c.content}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{bytes(c.size)}</Table.Td>
                    <Table.Td>
                      {isUploadable(c.content) && (
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          color="red"
                          aria-label={`Delete ${c.name}`}
                          onClick={() =>
                            setToDelete({ name: c.name, content: c.content as Uploadable })
                          }
                        >
                          Delete
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <DeleteContent
        storage={s.id}
        base={base}
        volume={toDelete}
        onClose={() => setToDelete(null)}
        onDeleted={() => {
          setToDelete(null);
          loadContent();
          onChange();
        }}
      />
    </Paper>
  );
}

/** Asks before deleting an ISO image or a template; says why when the node refuses (in use). */
function DeleteContent({
  storage,
  base,
  volume,
  onClose,
  onDeleted,
}: {
  storage: string;
  base: string;
  volume: { name: string; content: 'iso' | 'vztmpl' } | null;
  onClose(): void;
  onDeleted(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setError(null), [volume]);
  const what = volume?.content === 'iso' ? 'ISO image' : 'template';
  const remove = () => {
    if (!volume) return;
    setBusy(true);
    setError(null);
    request(
      'DELETE',
      `${base}/content/${encodeURIComponent(volume.name)}?content=${volume.content}`,
      z.null(),
    ).then(
      () => (setBusy(false), onDeleted()),
      (e: Error) => (setBusy(false), setError(e.message)),
    );
  };
  return (
    <Modal opened={volume !== null} onClose={onClose} title={`Delete ${what}`}>
      <Stack>
        <Text>
          Delete the {what} <b>{volume?.name}</b> from storage {storage}? This cannot be undone.
        </Text>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={busy} onClick={remove}>
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
