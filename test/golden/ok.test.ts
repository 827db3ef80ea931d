// Golden ok corpus: test/golden/answers/ok/<case>.toml (+ optional <case>.hardware naming a fixture
// under test/fixtures/hardware/, default single-sata.json) must plan to exactly <case>.plan.json.
// Update the expected plans with: npm run golden:update (UPDATE_GOLDEN=1 vitest run test/golden).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planFromAnswerText } from '../../installer/core.ts';
import { formatIssue } from '../../lib/errors.ts';
import { formatPlan } from '../../installer/plan/format.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const caseDir = path.join(root, 'test/golden/answers/ok');
const hardwareDir = path.join(root, 'test/fixtures/hardware');
const update = process.env.UPDATE_GOLDEN === '1';
const FIXTURE_PASSWORD = 'passw0rd-fixture';
const FIXTURE_TOKEN = 'tok-fixture-0123456789abcdef';

function fixtureFor(name: string): string {
  const override = path.join(caseDir, `${name}.hardware`);
  return existsSync(override) ? readFileSync(override, 'utf8').trim() : 'single-sata.json';
}
const hardware = (fixture: string): HardwareProfile => JSON.parse(readFileSync(path.join(hardwareDir, fixture), 'utf8')) as HardwareProfile;

const cases = readdirSync(caseDir)
  .filter((f) => f.endsWith('.toml'))
  .map((f) => f.slice(0, -'.toml'.length))
  .sort();

describe('golden ok answers', () => {
  it('has a corpus covering every hardware fixture', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    const used = new Set(cases.map(fixtureFor));
    for (const f of readdirSync(hardwareDir).filter((x) => x.endsWith('.json'))) expect(used, `no ok case uses ${f}`).toContain(f);
  });

  it.each(cases)('%s', (name) => {
    const text = readFileSync(path.join(caseDir, `${name}.toml`), 'utf8');
    const result = planFromAnswerText(text, hardware(fixtureFor(name)));
    if (!result.ok) throw new Error(`${name} was refused:\n${result.issues.map(formatIssue).join('\n')}`);
    const actual = JSON.stringify(result.value.plan, null, 2) + '\n';
    const planFile = path.join(caseDir, `${name}.plan.json`);
    if (update) writeFileSync(planFile, actual);
    expect(existsSync(planFile), `${name}.plan.json is missing; create it with npm run golden:update`).toBe(true);
    expect(actual).toBe(readFileSync(planFile, 'utf8'));
    // secrets: never in the plan, nor in what `plan` prints (even with --verbose)
    for (const out of [actual, formatPlan(result.value.plan, { verbose: true })]) {
      expect(out).not.toContain(FIXTURE_PASSWORD);
      expect(out).not.toContain(FIXTURE_TOKEN);
    }
  });
});
