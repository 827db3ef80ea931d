// The layer rules (eslint.boundaries.js) really fail lint: a deliberately bad import, static or a
// dynamic `import('...')`, linted as if it were a file in each area, is reported; the allowed
// imports are not.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, {
    filePath: path.join(root, file),
  });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

describe('layer boundaries are enforced by lint', () => {
  // loading the eslint config and the TypeScript parser takes seconds on a busy machine
  beforeAll(() => restricted('lib/warm-up.ts', ''), 60_000);

  // file, module it imports (from the repository root), what the message says
  const AREA_FILES = [
    'installer/sub/x.ts',
    'iso/sub/x.ts',
    'provision/sub/x.ts',
    'manager/server/sub/x.ts',
  ];
  const INTERNALS = [
    'installer/plan/buildPlan.ts',
    'iso/recipe/assemble.ts',
    'provision/cluster/state.ts',
    'manager/server/api.ts',
  ];
  const area = (f: string) => f.split('/')[0];
  const crossings = AREA_FILES.flatMap((file) =>
    INTERNALS.filter((t) => area(t) !== area(file)).map((t): [string, string, RegExp] => [
      file,
      t,
      /only through its index\.ts/,
    ]),
  );
  const bad: [string, string, RegExp][] = [
    ...crossings,
    ...['installer/answers/parse.ts', 'contracts/plan/types.ts'].map(
      (t): [string, string, RegExp] => ['lib/x.ts', t, /bottom layer/],
    ),
    ['contracts/x.ts', 'provision/nodeConfig.ts', /contracts\/ imports only lib/],
    ['manager/web/x.ts', 'lib/errors.ts', /contracts\/ only/],
    ['provision/x.ts', 'lib/exec/runner.ts', /createRunner/],
    ['installer/hardware/x.ts', 'lib/exec/probe.ts', /createRunner/],
  ];
  const specifier = (file: string, target: string) =>
    path.relative(path.dirname(file), target).replace(/^(?!\.)/, './');
  const importOf = (file: string, target: string) =>
    `import { x } from '${specifier(file, target)}';`;
  const dynamicImportOf = (file: string, target: string) =>
    `export const load = () => import('${specifier(file, target)}');`;

  it("zod's z object (defeats tree shaking of the bundles) fails; the namespace import passes", async () => {
    const found = await restricted('contracts/x.ts', "import { z } from 'zod';");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/import \* as z from 'zod'/);
    expect(await restricted('contracts/x.ts', "import * as z from 'zod';")).toEqual([]);
    expect(await restricted('contracts/x.ts', "import type { z } from 'zod';")).toEqual([]);
  });
  it('a node: import in the browser bundle fails too', async () => {
    expect(
      await restricted('manager/web/x.ts', "import { readFileSync } from 'node:fs';"),
    ).toHaveLength(1);
  });
  it.each(bad)('%s importing %s', async (file, target, message) => {
    const found = await restricted(file, importOf(file, target));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });
  it.each(bad)('%s importing %s with import()', async (file, target, message) => {
    const found = await restricted(file, dynamicImportOf(file, target));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });
  // a process started outside lib/exec escapes the runner's logging, redaction and secret guard
  const spawners: [string, string][] = [
    ['manager/server/engines/x.ts', "import { spawn } from 'node:child_process';"],
    ['manager/cli/x.ts', "import { execFile } from 'child_process';"],
    ['provision/x.ts', "import { execa } from 'execa';"],
    ['installer/x.ts', "export const f = () => import('node:child_process');"],
    ['iso/x.ts', "export const f = () => import('execa');"],
    ['lib/x.ts', "import { spawn } from 'node:child_process';"],
    ['contracts/x.ts', "import { spawn } from 'node:child_process';"],
  ];
  it.each(spawners)('%s starting a process without the runner: %s', async (file, source) => {
    const found = await restricted(file, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/through the command runner/);
  });
  it('lib/exec, the runner itself, may start processes', async () => {
    expect(
      await restricted('lib/exec/x.ts', "import { spawn } from 'node:child_process';"),
    ).toEqual([]);
    expect(await restricted('lib/exec/x.ts', "import { execa } from 'execa';")).toEqual([]);
  });

  it('a dynamic node: import in the browser bundle fails too', async () => {
    expect(await restricted('manager/web/x.ts', "await import('node:fs');")).toHaveLength(1);
  });

  const good: [string, string][] = [
    ['contracts/x.ts', "import { UserError } from '../lib/errors.ts';"],
    ['installer/plan/x.ts', "import type { NodeConfig } from '../../contracts/node/types.ts';"],
    ['installer/commands/x.ts', "import { assemble } from '../../iso/index.ts';"],
    ['provision/x.ts', "import { createRunner } from '../lib/exec/index.ts';"],
    ['installer/plan/x.ts', "import { render } from './render.ts';"],
    ['manager/web/x.ts', "import type { ProgressEvent } from '../../contracts/progress.ts';"],
  ];
  const goodDynamic: [string, string][] = [
    ['installer/x.ts', "export const f = () => import('../provision/index.ts');"],
    ['installer/x.ts', "export const f = () => import('./commands/validate.ts');"],
    ['manager/server/x.ts', "export const f = () => import('../../lib/net/selfsigned.ts');"],
  ];
  it.each([...good, ...goodDynamic])('%s may: %s', async (file, source) => {
    expect(await restricted(file, source)).toEqual([]);
  });
});
