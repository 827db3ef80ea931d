// The one progress stream (docs/design.md §1). Written out as newline-delimited JSON.
export type ProgressEvent =
  | { type: 'progress'; ratio: number; step: string; text: string }
  | { type: 'message' | 'warning' | 'error'; text: string; step?: string }
  | { type: 'finished'; ok: boolean; seconds: number };

export type ProgressSink = (event: ProgressEvent) => void;

export const toJsonLine = (event: ProgressEvent): string => JSON.stringify(event) + '\n';
