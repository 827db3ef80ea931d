// API tokens: a token is hashed once, not on every request it comes with (SHA-256 cost 30-45 us a
// call on the loaded host, ~10% of a guest-list request), and a revoked one is refused at once.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TokenStore } from '../../../manager/server/auth/tokens.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'openve-mgr-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('hashes a presented token once, and refuses it after revocation', () => {
  let hashed = 0;
  const store = new TokenStore(path.join(dir, 'tokens.json'), (s) => {
    hashed++;
    return createHash('sha256').update(s).digest('hex');
  });
  const { info, token } = store.create('root', 'test');
  const before = hashed;
  for (let i = 0; i < 5; i++)
    expect(store.verify(token)).toEqual({ user: 'root', tokenId: info.id });
  expect(hashed - before).toBe(1);
  // a wrong secret for the same id is hashed and refused each time, never remembered
  const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  expect(store.verify(wrong)).toBeNull();
  expect(store.verify(wrong)).toBeNull();
  expect(hashed - before).toBe(3);
  expect(store.revoke(info.id)).toBe(true);
  expect(store.verify(token)).toBeNull();
  // a second store reading the same file (a restart) knows the other tokens, not the revoked one
  const other = store.create('root', 'second');
  const reread = new TokenStore(path.join(dir, 'tokens.json'));
  expect(reread.verify(other.token)?.tokenId).toBe(other.info.id);
  expect(reread.verify(token)).toBeNull();
});
