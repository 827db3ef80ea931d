import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  clusterConfigSchema,
  ContractError,
  joinResponseSchema,
  parseJson,
  parseProgressLines,
} from '../../../contracts/index.ts';
import { readNodeConfig } from '../../../provision/nodeConfig.ts';

describe('contracts: JSON from outside is parsed, never cast', () => {
  it('names the source and the field', () => {
    expect(() =>
      parseJson(
        clusterConfigSchema,
        '{"clusterName":"c","configVersion":"2","tokenMs":1000,"nodes":[]}',
        'push',
      ),
    ).toThrow(/^push: configVersion: /);
    expect(() => parseJson(joinResponseSchema, '<html>', 'master /v1/join')).toThrow(ContractError);
  });

  it('progress events, one per line', () => {
    const events = parseProgressLines(
      '{"type":"progress","ratio":0.5,"step":"extract:payload","text":"Copying"}\n\n{"type":"finished","ok":true,"seconds":3}\n',
    );
    expect(events.map((e) => e.type)).toEqual(['progress', 'finished']);
    expect(() =>
      parseProgressLines('{"type":"progress","ratio":2,"step":"x","text":""}', 'log'),
    ).toThrow(/^log line 1: ratio: /);
  });

  it('node.json: a bad field is a UserError naming file and field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-node-'));
    const file = path.join(dir, 'node.json');
    const base = {
      version: 1,
      fqdn: null,
      mailto: 'a@b.c',
      managementInterface: 'vmbr0',
      firstBoot: { source: 'none', ordering: 'fully-up', hookPath: '/h' },
    };
    writeFileSync(file, JSON.stringify(base));
    expect(readNodeConfig(file)?.managementInterface).toBe('vmbr0');
    writeFileSync(
      file,
      JSON.stringify({ ...base, firstBoot: { ...base.firstBoot, source: 'from-url' } }),
    );
    expect(() => readNodeConfig(file)).toThrow(`${file}: firstBoot.url: from-url needs a url`);
    writeFileSync(file, JSON.stringify({ ...base, version: 2 }));
    expect(() => readNodeConfig(file)).toThrow(`${file}: version: expected 1`);
    writeFileSync(file, JSON.stringify({ ...base, cluster: { mode: 'join', master: '10.0.0.1' } }));
    expect(() => readNodeConfig(file)).toThrow(
      `${file}: cluster.token: join needs master and token`,
    );
  });
});
