// zod schema of one progress event (contracts/progress.ts), for readers of the JSON-lines stream
// (the unattended log, a webhook receiver, the manager). Kept apart so that writers of the
// stream do not load zod.
import * as z from 'zod';
import type { ProgressEvent } from './progress.ts';
import { parseJson } from './json.ts';

export const progressEventSchema: z.ZodType<ProgressEvent> = z.union([
  z.object({
    type: z.literal('progress'),
    ratio: z.number().min(0).max(1),
    step: z.string(),
    text: z.string(),
  }),
  z.object({
    type: z.enum(['message', 'warning', 'error']),
    text: z.string(),
    step: z.string().optional(),
  }),
  z.object({ type: z.literal('finished'), ok: z.boolean(), seconds: z.number().min(0) }),
]);

/** Every event of a JSON-lines stream; a bad line is a ContractError naming `SOURCE line N`. */
export function parseProgressLines(text: string, source = 'progress'): ProgressEvent[] {
  return text
    .split('\n')
    .map((line, i) => [line, i] as const)
    .filter(([line]) => line.trim() !== '')
    .map(([line, i]) => parseJson(progressEventSchema, line, `${source} line ${i + 1}`));
}
