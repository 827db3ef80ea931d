// The layer rules (eslint.boundaries.js) really fail lint: a deliberately bad import, linted as if
// it were a file in each area, is reported; the allowed imports are not.
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
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('layer boundaries are enforced by lint', () => {
  // loading the eslint config and the TypeScript parser takes seconds on a busy machine
  beforeAll(() => restricted('lib/warm-up.ts', ''), 60_000);

  const bad: [string, string, RegExp][] = [
    ['lib/x.ts', "import { parseAnswers } from '../installer/answers/parse.ts';", /bottom layer/],
    ['lib/x.ts', "import type { Plan } from '../contracts/plan/types.ts';", /bottom layer/],
    [
      'contracts/x.ts',
      "import { readNodeConfig } from '../provision/nodeConfig.ts';",
      /contracts\/ imports only lib/,
    ],
    [
      'installer/plan/x.ts',
      "import { FIRST_BOOT_UNITS } from '../../provision/firstboot.ts';",
      /only through its index\.ts/,
    ],
    [
      'installer/commands/x.ts',
      "import { assemble } from '../../iso/recipe/assemble.ts';",
      /only through its index\.ts/,
    ],
    [
      'provision/cluster/x.ts',
      "import { buildPlan } from '../../installer/plan/buildPlan.ts';",
      /only through its index\.ts/,
    ],
    [
      'iso/recipe/x.ts',
      "import { x } from '../../provision/cluster/state.ts';",
      /only through its index\.ts/,
    ],
    [
      'manager/server/x.ts',
      "import { x } from '../../installer/apply/applyPlan.ts';",
      /only through its index\.ts/,
    ],
    ['manager/web/x.ts', "import { x } from '../../lib/errors.ts';", /contracts\/ only/],
    ['manager/web/x.ts', "import { readFileSync } from 'node:fs';", /contracts\/ only/],
    ['provision/x.ts', "import { realRunner } from '../lib/exec/runner.ts';", /createRunner/],
    [
      'installer/hardware/x.ts',
      "import { probeRunner } from '../../lib/exec/probe.ts';",
      /createRunner/,
    ],
  ];
  it.each(bad)('%s: %s', async (file, source, message) => {
    const found = await restricted(file, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  const good: [string, string][] = [
    ['contracts/x.ts', "import { UserError } from '../lib/errors.ts';"],
    ['installer/plan/x.ts', "import type { NodeConfig } from '../../contracts/node/types.ts';"],
    ['installer/commands/x.ts', "import { assemble } from '../../iso/index.ts';"],
    ['provision/x.ts', "import { createRunner } from '../lib/exec/index.ts';"],
    ['installer/plan/x.ts', "import { render } from './render.ts';"],
    ['manager/web/x.ts', "import type { ProgressEvent } from '../../contracts/progress.ts';"],
  ];
  it.each(good)('%s may: %s', async (file, source) => {
    expect(await restricted(file, source)).toEqual([]);
  });
});
