// `openve iso ...` and `openve template ...`: the storage commands for one kind of content, on the
// node's storage that holds it (`--storage` picks another), as `pveam`/`pvesm` users expect:
//   openve iso list | upload FILE | download NAME [--output F] | delete NAME
//   openve template list | upload FILE | download NAME [--output F] | delete NAME
import { StorageListSchema } from '../../contracts/manager/storage.ts';
import type { Client } from './client.ts';
import { storageCommand, StorageUsage, type StorageArgs } from './storage.ts';

export type ImageGroup = 'iso' | 'template';
const CONTENT = { iso: 'iso', template: 'vztmpl' } as const;
const VERBS = ['list', 'upload', 'download', 'delete'] as const;

/**
 * `iso upload FILE` -> the content kind and, for the storage that holds it, the storage command's
 * positionals (pure, for tests); usage errors are thrown here, before any request
 */
export function imageToStorage(
  group: ImageGroup,
  pos: readonly string[],
): { content: 'iso' | 'vztmpl'; pos(storage: string): string[] } {
  const verb = pos[1] ?? '';
  const content = CONTENT[group];
  if (!VERBS.includes(verb as (typeof VERBS)[number]))
    throw new StorageUsage(
      `${group}: give one of ${VERBS.join(', ')}, e.g. openve ${group} list (got ${verb ? `'${verb}'` : 'nothing'})`,
    );
  if (verb === 'list') return { content, pos: (storage) => ['storage', 'content', storage] };
  const arg = pos[2];
  if (!arg)
    throw new StorageUsage(
      verb === 'upload'
        ? `file: e.g. openve ${group} upload ./debian-13.${group === 'iso' ? 'iso' : 'tar.zst'}`
        : `name: e.g. openve ${group} ${verb} NAME (openve ${group} list shows the names)`,
    );
  return { content, pos: (storage) => ['storage', verb, storage, arg] };
}

/** the storage that holds this kind of content: the one named, else the first that lists it */
async function storageFor(c: Client, node: string, group: ImageGroup, named?: string) {
  if (named) return named;
  const list = await c.parsed(
    StorageListSchema,
    'GET',
    `/api/v1/nodes/${encodeURIComponent(node)}/storage`,
  );
  const st = list.find((s) => s.content.includes(CONTENT[group]));
  if (!st)
    throw new StorageUsage(
      `storage: no storage on ${node} holds ${CONTENT[group]} content (openve storage list shows them)`,
    );
  return st.id;
}

export async function imageCommand(
  c: Client,
  group: ImageGroup,
  v: StorageArgs & { storage?: string },
  pos: string[],
  node: string,
  io: { out(t: string): void; err(t: string): void },
): Promise<number> {
  const mapped = imageToStorage(group, pos);
  const storage = await storageFor(c, node, group, v.storage);
  return storageCommand(c, { ...v, content: mapped.content }, mapped.pos(storage), node, io);
}
