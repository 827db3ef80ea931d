// A manager on a temporary state dir with a recording runner (no engine is touched) and a fake
// password check; requests go through fastify's inject (no socket).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner, type RecordingRunner } from '../../../lib/exec/index.ts';
import { startManager, type RunningManager } from '../../../manager/server/manager.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestManager {
  m: RunningManager;
  runner: RecordingRunner;
  dir: string;
  logs: string[];
  node: string;
  close(): Promise<void>;
}

export async function testManager(opts: { uploadLimit?: number } = {}): Promise<TestManager> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-mgr-'));
  // openssl (the certificate) runs for real; every other command is recorded and succeeds
  const runner = createRunner('recording', {});
  const real = createRunner('real');
  runner.on({ match: ['openssl'], respond: async (argv) => real.run(argv) });
  const logs: string[] = [];
  const m = await startManager({
    dev: true,
    stateDir: dir,
    host: '127.0.0.1',
    port: 0,
    libvirtUri: 'test:///default',
    log: (l) => logs.push(l),
    runner,
    engines: false,
    ...opts,
    checkPassword: async (user, pw) => user === 'root' && pw === TEST_PASSWORD,
  });
  return {
    m,
    runner,
    dir,
    logs,
    node: m.services.facts().name,
    async close() {
      await m.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
