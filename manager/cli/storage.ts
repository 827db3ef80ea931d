// `openve storage list | content | upload | download`: answers checked with the contracts' schemas,
// uploads streamed with a progress line and the file's SHA-256 checked by the node.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import {
  StorageContentListSchema,
  StorageListSchema,
  UploadContentKind,
  UploadResultSchema,
} from '../../contracts/manager/storage.ts';
import type { Client } from './client.ts';
import { table } from './format.ts';

export interface StorageArgs {
  json?: boolean;
  content?: string;
  filename?: string;
  sha256?: string;
  output?: string;
}

interface Out {
  out(text: string): void;
  err(text: string): void;
}

export class StorageUsage extends Error {}

/** 1536 -> '1.5 KiB' */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** a progress line at most every `everyMs` (and at the end); '\r'-overwritten on a terminal */
export function progressPrinter(
  name: string,
  write: (t: string) => void,
  tty: boolean,
  now: () => number = Date.now,
  everyMs = 500,
): (sent: number, total: number) => void {
  let last = -Infinity;
  return (sent, total) => {
    const t = now();
    if (sent < total && t - last < everyMs) return;
    last = t;
    const pct = total ? Math.floor((sent / total) * 100) : 100;
    const line = `upload ${name}: ${pct}% (${humanBytes(sent)} of ${humanBytes(total)})`;
    write(tty ? `\r${line}${sent >= total ? '\n' : ''}` : `${line}\n`);
  };
}

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

export async function storageCommand(
  c: Client,
  v: StorageArgs,
  pos: string[],
  node: string,
  io: Out,
  tty = process.stderr.isTTY === true,
): Promise<number> {
  const base = `/api/v1/nodes/${encodeURIComponent(node)}/storage`;
  const [, cmd, storage, arg] = pos;
  const kind = () => {
    const k = UploadContentKind.safeParse(v.content);
    if (!k.success) throw new StorageUsage('content: give --content iso or --content vztmpl');
    return k.data;
  };
  const need = (x: string | undefined, what: string): string => {
    if (!x) throw new StorageUsage(what);
    return x;
  };
  switch (cmd) {
    case 'list': {
      const list = await c.parsed(StorageListSchema, 'GET', base);
      if (v.json) io.out(JSON.stringify(list, null, 2) + '\n');
      else
        io.out(
          table(
            list.map((s) => ({
              ...s,
              content: s.content.join(','),
              total: humanBytes(s.total),
              used: humanBytes(s.used),
              avail: humanBytes(s.avail),
              '%': s.total ? `${((s.used / s.total) * 100).toFixed(1)}%` : '-',
            })),
            ['id', 'type', 'content', 'total', 'used', 'avail', '%', 'active'],
          ),
        );
      return 0;
    }
    case 'content': {
      const st = need(storage, 'storage: e.g. openve storage content local [--content iso]');
      const q = v.content ? `?content=${encodeURIComponent(v.content)}` : '';
      const list = await c.parsed(
        StorageContentListSchema,
        'GET',
        `${base}/${encodeURIComponent(st)}/content${q}`,
      );
      if (v.json) io.out(JSON.stringify(list, null, 2) + '\n');
      else
        io.out(
          table(
            list.map((x) => ({
              ...x,
              size: humanBytes(x.size),
              used: x.used === undefined ? '' : humanBytes(x.used),
            })),
            ['volid', 'content', 'size', 'used', 'format'],
          ),
        );
      return 0;
    }
    case 'upload': {
      const st = need(storage, 'storage: e.g. openve storage upload local FILE --content iso');
      const file = need(arg, 'file: e.g. openve storage upload local debian.iso --content iso');
      const content = kind();
      const name = v.filename ?? path.basename(file);
      const sha256 = v.sha256 ?? (await sha256Of(file));
      const q = new URLSearchParams({ content, filename: name, sha256 });
      const r = await c.upload(
        UploadResultSchema,
        `${base}/${encodeURIComponent(st)}/upload?${q}`,
        file,
        progressPrinter(name, io.err, tty),
      );
      io.out(
        v.json ? JSON.stringify(r) + '\n' : `${r.volid} ${humanBytes(r.size)} sha256 ${r.sha256}\n`,
      );
      return 0;
    }
    case 'delete': {
      const st = need(
        storage,
        'storage: e.g. openve storage delete local debian.iso --content iso',
      );
      const name = need(arg, 'name: e.g. openve storage delete local debian.iso --content iso');
      const content = kind();
      await c.request(
        'DELETE',
        `${base}/${encodeURIComponent(st)}/content/${encodeURIComponent(name)}?content=${content}`,
      );
      io.out(
        v.json
          ? JSON.stringify({ deleted: `${st}:${content}/${name}` }) + '\n'
          : `deleted ${st}:${content}/${name}\n`,
      );
      return 0;
    }
    case 'download': {
      const st = need(
        storage,
        'storage: e.g. openve storage download local debian.iso --content iso',
      );
      const name = need(arg, 'name: e.g. openve storage download local debian.iso --content iso');
      const content = kind();
      const out = v.output ?? name;
      const r = await c.download(
        `${base}/${encodeURIComponent(st)}/content/${encodeURIComponent(name)}/download?content=${content}`,
        out,
      );
      io.out(
        v.json
          ? JSON.stringify({ file: out, ...r }) + '\n'
          : `${out} ${humanBytes(r.size)} sha256 ${r.sha256} (checked)\n`,
      );
      return 0;
    }
  }
  throw new StorageUsage(`unknown command: openve ${pos.join(' ')}`);
}
