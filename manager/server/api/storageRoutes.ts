// /nodes/{node}/storage: usage, content, ISO / template upload (streamed) and download.
import { Readable } from 'node:stream';
import * as z from 'zod';
import { StorageContentKind, UploadContentKind } from '../../../contracts/manager/storage.ts';
import type { Services } from './services.ts';
import { badRequest } from './errors.ts';
import { route, type Route } from './route.ts';

const NodeParams = z.strictObject({ node: z.string() });
const StorageParams = NodeParams.extend({
  storage: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a storage id'),
});
const FileParams = StorageParams.extend({ name: z.string().max(255) });
const ContentQuery = z.strictObject({
  content: StorageContentKind.optional(),
});
const UploadQuery = z.strictObject({
  content: UploadContentKind,
  filename: z.string({ error: 'is required: the name to store the file as' }).max(255),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (the SHA-256 of the file)')
    .optional(),
});
const DownloadQuery = z.strictObject({ content: UploadContentKind });

export function storageRoutes(s: Services, node: (name: string) => void, API: string): Route[] {
  return [
    route({
      method: 'GET',
      url: `${API}/nodes/:node/storage`,
      tag: 'storage',
      summary: 'storages with usage (LVM-thin: data and metadata percent)',
      params: NodeParams,
      handler: async ({ params }) => (node(params.node), { data: await s.storage.list() }),
    }),
    route({
      method: 'GET',
      url: `${API}/nodes/:node/storage/:storage/content`,
      tag: 'storage',
      summary: 'volumes, ISO images and templates on a storage; ?content=iso|vztmpl|images|rootdir',
      params: StorageParams,
      query: ContentQuery,
      handler: async ({ params, query }) => (
        node(params.node),
        { data: await s.storage.content(params.storage, query.content) }
      ),
    }),
    route({
      method: 'POST',
      url: `${API}/nodes/:node/storage/:storage/upload`,
      tag: 'storage',
      summary:
        'upload an ISO image or template (application/octet-stream, streamed to disk); ?content=iso|vztmpl&filename=NAME[&sha256=HEX]',
      params: StorageParams,
      query: UploadQuery,
      handler: async ({ params, query, request }) => {
        node(params.node);
        const body = request.body;
        if (!(body instanceof Readable))
          throw badRequest({
            path: '(body)',
            message: 'must be the file as application/octet-stream',
          });
        const len = request.headers['content-length'];
        // a refusal before the whole body was read is answered at once; Node discards the rest
        // of the body, and the CLI stops sending when it sees the answer
        return {
          data: await s.storage.upload({
            storage: params.storage,
            content: query.content,
            filename: query.filename,
            ...(query.sha256 ? { sha256: query.sha256 } : {}),
            body,
            ...(len !== undefined ? { length: Number(len) } : {}),
          }),
        };
      },
    }),
    route({
      method: 'DELETE',
      url: `${API}/nodes/:node/storage/:storage/content/:name`,
      tag: 'storage',
      summary:
        'delete an ISO image or template; ?content=iso|vztmpl (404 when missing, 409 naming the VMs an ISO is attached to)',
      params: FileParams,
      query: DownloadQuery,
      handler: ({ params, query }) => {
        node(params.node);
        s.storage.remove(params.storage, query.content, params.name);
        return { data: null };
      },
    }),
    route({
      method: 'GET',
      url: `${API}/nodes/:node/storage/:storage/content/:name/download`,
      tag: 'storage',
      summary:
        'download an ISO image or template (streamed), its SHA-256 in X-Checksum-Sha256; ?content=iso|vztmpl',
      params: FileParams,
      query: DownloadQuery,
      handler: async ({ params, query, reply }) => {
        node(params.node);
        const f = await s.storage.download(params.storage, query.content, params.name);
        reply
          .header('x-checksum-sha256', f.sha256)
          .header('content-length', f.size)
          .header('content-disposition', `attachment; filename="${params.name}"`)
          .type('application/octet-stream');
        reply.send(f.open());
        return { sent: true };
      },
    }),
  ];
}
