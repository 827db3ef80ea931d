// A LocateEnv over in-memory files, a scripted runner and a fake HTTP server.
import type { CommandResult, CommandRunner, RunOptions } from '../../../lib/exec/types.ts';
import { CommandError } from '../../../lib/exec/types.ts';
import {
  PinnedFetchError,
  type FetchPinnedOptions,
  type PinnedResponse,
} from '../../../lib/net/pinned.ts';
import { DEFAULT_PATHS } from '../../../installer/locate/paths.ts';
import type { LocateEnv } from '../../../installer/locate/types.ts';

export interface FakeHttp {
  status?: number;
  body?: string;
  /** the certificate the fake server presents */
  fingerprint?: string;
  error?: PinnedFetchError;
}

export interface Fake {
  env: LocateEnv;
  files: Map<string, string>;
  commands: string[][];
  requests: { url: string; options: FetchPinnedOptions }[];
  removed: string[];
}

export function fakeEnv(setup: {
  files?: Record<string, string>;
  dirs?: Record<string, string[]>;
  http?: Record<string, FakeHttp>;
  txt?: Record<string, string>;
  lsblk?: unknown;
  blkid?: Record<string, string>;
  mount?: { ok: boolean; files?: Record<string, string> };
}): Fake {
  const files = new Map(Object.entries(setup.files ?? {}));
  const commands: string[][] = [];
  const requests: Fake['requests'] = [];
  const removed: string[] = [];
  const result = (
    argv: readonly string[],
    exitCode: number,
    stdout = '',
    stderr = '',
  ): CommandResult => ({
    argv: [...argv],
    exitCode,
    stdout,
    stderr,
    durationMs: 1,
  });
  const runner: CommandRunner = {
    async run(argv: readonly string[], options: RunOptions = {}) {
      commands.push([...argv]);
      let r: CommandResult;
      if (argv[0] === 'lsblk')
        r = result(argv, 0, JSON.stringify(setup.lsblk ?? { blockdevices: [] }));
      else if (argv[0] === 'blkid') {
        const label = argv.at(-1)!.replace('LABEL=', '');
        const dev = setup.blkid?.[label];
        r = dev ? result(argv, 0, `${dev}\n`) : result(argv, 2);
      } else if (argv[0] === 'mount') {
        const dir = argv.at(-1)!;
        if (setup.mount?.ok) {
          for (const [name, content] of Object.entries(setup.mount.files ?? {}))
            files.set(`${dir}/${name}`, content);
          r = result(argv, 0);
        } else r = result(argv, 32, '', 'mount: wrong fs type, bad option, bad superblock');
      } else if (argv[0] === 'umount') {
        const dir = argv.at(-1)!;
        for (const k of [...files.keys()]) if (k.startsWith(`${dir}/`)) files.delete(k);
        r = result(argv, 0);
      } else r = result(argv, 127, '', 'not found');
      if (r.exitCode !== 0 && options.reject !== false) throw new CommandError(r);
      return r;
    },
  };
  const env: LocateEnv = {
    paths: DEFAULT_PATHS,
    async readFile(path) {
      const v = files.get(path);
      return v === undefined ? null : Buffer.from(v);
    },
    async listDir(path) {
      return setup.dirs?.[path] ?? null;
    },
    runner,
    async fetch(url, options) {
      requests.push({ url, options });
      const h = setup.http?.[url];
      if (!h) throw new PinnedFetchError('network', url, `cannot reach ${url}: ECONNREFUSED`);
      if (h.error) throw h.error;
      if (options.fingerprint && h.fingerprint && options.fingerprint !== h.fingerprint) {
        throw new PinnedFetchError(
          'fingerprint',
          url,
          `certificate fingerprint mismatch for ${url}: expected ${options.fingerprint}, got ${h.fingerprint}`,
        );
      }
      const body = Buffer.from(h.body ?? '');
      const res: PinnedResponse = {
        url,
        status: h.status ?? 200,
        statusText: h.status === 404 ? 'Not Found' : 'OK',
        headers: {},
        body,
        text: () => body.toString(),
      };
      if (h.fingerprint) res.peerFingerprint = h.fingerprint;
      return res;
    },
    async resolveTxt(name) {
      const v = setup.txt?.[name];
      if (v === undefined)
        throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return [[v]];
    },
    async makeTempDir() {
      return '/tmp/openve-ais-test';
    },
    async removeDir(path) {
      removed.push(path);
    },
    async systemInfo() {
      return {
        product: { name: 'openve', version: 'test' },
        network_interfaces: [{ link: 'eth0', mac: '52:54:00:12:34:56' }],
      };
    },
  };
  return { env, files, commands, requests, removed };
}
