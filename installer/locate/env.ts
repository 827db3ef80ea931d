// The real I/O behind locateAnswer.
import { mkdtemp, readFile, readdir, rmdir } from 'node:fs/promises';
import { resolveTxt } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner } from '../../lib/exec/index.ts';
import { fetchPinned } from '../../lib/net/pinned.ts';
import type { CommandRunner } from '../../lib/exec/index.ts';
import { DEFAULT_PATHS, type LocatePaths } from './paths.ts';
import type { LocateEnv } from './types.ts';

function missing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export interface RealEnvOptions {
  paths?: Partial<LocatePaths>;
  runner?: CommandRunner;
  systemInfo?: () => Promise<unknown>;
  httpTimeoutMs?: number;
  networkWaitMs?: number;
  log?: (line: string) => void;
}

export function realLocateEnv(options: RealEnvOptions = {}): LocateEnv {
  const env: LocateEnv = {
    paths: { ...DEFAULT_PATHS, ...options.paths },
    async readFile(path) {
      try {
        return await readFile(path);
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async listDir(path) {
      try {
        return await readdir(path);
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    runner: options.runner ?? createRunner('real'),
    fetch: fetchPinned,
    resolveTxt,
    makeTempDir: () => mkdtemp(join(tmpdir(), 'openve-ais-')),
    // rmdir, never a recursive delete: this directory was a mount point
    removeDir: (path) => rmdir(path),
    systemInfo: options.systemInfo ?? (async () => ({})),
  };
  if (options.httpTimeoutMs !== undefined) env.httpTimeoutMs = options.httpTimeoutMs;
  if (options.networkWaitMs !== undefined) env.networkWaitMs = options.networkWaitMs;
  if (options.log) env.log = options.log;
  return env;
}
