// zod schemas of the files the installer leaves on the node for first boot and pveca:
// /etc/openve/node.json (NodeConfig, types.ts) and the first-boot hook's result file.
import * as z from 'zod';
import type { NodeConfig } from './types.ts';

export const ORDERINGS = ['before-network', 'network-online', 'fully-up'] as const;

const firstBoot = z
  .object({
    source: z.enum(['from-iso', 'from-url', 'none'], {
      error: "expected 'from-iso', 'from-url' or 'none'",
    }),
    ordering: z.enum(ORDERINGS, { error: `expected one of ${ORDERINGS.join(', ')}` }),
    url: z.string().optional(),
    certFingerprint: z.string().optional(),
    hookPath: z.string(),
  })
  .refine((fb) => fb.source !== 'from-url' || !!fb.url, {
    error: 'from-url needs a url',
    path: ['url'],
  });

const cluster = z.discriminatedUnion(
  'mode',
  [
    z.object({
      mode: z.literal('create'),
      name: z.string({ error: 'create needs a cluster name' }),
      token: z.string().optional(),
    }),
    z.object({
      mode: z.literal('join'),
      master: z.string({ error: 'join needs master and token' }),
      members: z.array(z.string()).optional(),
      token: z.string({ error: 'join needs master and token' }),
      fingerprint: z.string().optional(),
    }),
  ],
  { error: "expected 'create' or 'join'" },
);

export const nodeConfigSchema: z.ZodType<NodeConfig> = z.object({
  version: z.literal(1, { error: 'expected 1' }),
  fqdn: z.string().nullable(),
  mailto: z.string(),
  managementInterface: z.string(),
  firstBoot,
  webhook: z
    .object({
      url: z.string({ error: 'expected a URL' }),
      certFingerprint: z.string().optional(),
      authToken: z.string().optional(),
    })
    .optional(),
  cluster: cluster.optional(),
});

/** /var/lib/openve/first-boot/done: how the first-boot hook ended (reported in the webhook). */
export const firstBootDoneSchema = z.object({
  exitCode: z.number().int().nullable(),
  error: z.string().optional(),
});
export type FirstBootDone = z.infer<typeof firstBootDoneSchema>;
