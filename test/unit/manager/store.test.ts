import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../manager/server/api/errors.ts';
import { GuestStore } from '../../../manager/server/guests/store.ts';

describe('GuestStore.reserve', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const store = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-store-'));
    dirs.push(dir);
    return new GuestStore(dir);
  };

  it('hands out the lowest free id from 100, or the id asked for', () => {
    const s = store();
    expect(s.reserve()).toBe(100);
    expect(s.reserve(105)).toBe(105);
    expect(s.reserve()).toBe(101);
  });

  it('refuses an id already reserved with a 400 naming id', () => {
    const s = store();
    s.reserve(120);
    let err: unknown;
    try {
      s.reserve(120);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).issues).toEqual([
      { path: 'id', message: '120 is already used by a guest on this node' },
    ]);
  });
});
