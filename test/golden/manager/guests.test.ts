// Golden guest configs: test/golden/manager/vm/<case>.json -> <case>.xml + <case>.volumes.json,
// ct/<case>.json -> <case>.conf (+ <case>.v1.conf with the host's v1 cgroup keys) + <case>.volumes.json,
// fail/<case>.json ({kind, input}) -> <case>.errors.json (every problem at once).
// Update with: npm run golden:update
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCtConfig, parseVmConfig } from '../../../contracts/manager/guest.ts';
import { domainXml } from '../../../manager/server/config/domainXml.ts';
import { lxcConfig } from '../../../manager/server/config/lxcConfig.ts';
import { ctVolumePlan, vmVolumePlan } from '../../../manager/server/config/volumes.ts';
import { goldenNode } from './node.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const cases = (dir: string) =>
  readdirSync(path.join(here, dir))
    .filter((f) => f.endsWith('.json') && f.split('.').length === 2) // inputs only, not <case>.volumes.json
    .map((f) => f.slice(0, -'.json'.length))
    .sort();

function golden(file: string, actual: string): void {
  if (update) writeFileSync(file, actual);
  expect(existsSync(file), `${path.basename(file)} is missing; create it with npm run golden:update`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
const input = (dir: string, name: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(here, dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

describe('golden VM configs', () => {
  it('has cases', () => expect(cases('vm').length).toBeGreaterThanOrEqual(4));
  it.each(cases('vm'))('%s', (name) => {
    const r = parseVmConfig(input('vm', name), goldenNode);
    if (!r.ok) throw new Error(`${name} refused: ${JSON.stringify(r.issues)}`);
    const cfg = { ...r.value, id: r.value.id ?? 100 };
    golden(path.join(here, 'vm', `${name}.xml`), domainXml(cfg, goldenNode));
    golden(path.join(here, 'vm', `${name}.volumes.json`), json(vmVolumePlan(cfg, goldenNode.storages)));
  });
});

describe('golden container configs', () => {
  it('has cases', () => expect(cases('ct').length).toBeGreaterThanOrEqual(3));
  it.each(cases('ct'))('%s', (name) => {
    const r = parseCtConfig(input('ct', name), goldenNode);
    if (!r.ok) throw new Error(`${name} refused: ${JSON.stringify(r.issues)}`);
    const cfg = { ...r.value, id: r.value.id ?? 200 };
    golden(path.join(here, 'ct', `${name}.conf`), lxcConfig(cfg, goldenNode));
    golden(path.join(here, 'ct', `${name}.v1.conf`), lxcConfig(cfg, { ...goldenNode, cgroup: 'v1' }));
    golden(path.join(here, 'ct', `${name}.volumes.json`), json(ctVolumePlan(cfg, goldenNode.storages)));
  });
});

describe('golden refusals', () => {
  it('has cases', () => expect(cases('fail').length).toBeGreaterThanOrEqual(4));
  it.each(cases('fail'))('%s', (name) => {
    const c = input('fail', name) as { kind: 'vm' | 'ct'; input: unknown };
    const r = c.kind === 'vm' ? parseVmConfig(c.input, goldenNode) : parseCtConfig(c.input, goldenNode);
    expect(r.ok, `${name} was accepted`).toBe(false);
    if (r.ok) return;
    for (const i of r.issues) expect(i.path, JSON.stringify(i)).not.toBe('');
    golden(path.join(here, 'fail', `${name}.errors.json`), json(r.issues));
  });
});
