// API tokens: `openve_<id>_<secret>`. Only the SHA-256 of the secret is stored (tokens are 256
// random bits, so a slow hash adds nothing); the full token is shown once, at creation.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../state.ts';

export interface TokenRecord {
  id: string;
  user: string;
  comment: string;
  created: string;
  /** hex SHA-256 of the secret part */
  hash: string;
}

export type TokenInfo = Omit<TokenRecord, 'hash'>;

const FORMAT = /^openve_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class TokenStore {
  private records: TokenRecord[];
  constructor(private readonly file: string) {
    this.records = readJson<TokenRecord[]>(file, []);
  }

  create(user: string, comment: string): { info: TokenInfo; token: string } {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const rec: TokenRecord = {
      id,
      user,
      comment,
      created: new Date().toISOString(),
      hash: sha256(secret),
    };
    this.records.push(rec);
    this.save();
    return { info: strip(rec), token: `openve_${id}_${secret}` };
  }

  /** the user a presented token belongs to, or null */
  verify(token: string): { user: string; tokenId: string } | null {
    const m = FORMAT.exec(token);
    if (!m) return null;
    const rec = this.records.find((r) => r.id === m[1]);
    if (!rec) return null;
    const a = Buffer.from(sha256(m[2] as string), 'hex');
    const b = Buffer.from(rec.hash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b)
      ? { user: rec.user, tokenId: rec.id }
      : null;
  }

  list(): TokenInfo[] {
    return this.records.map(strip);
  }

  revoke(id: string): boolean {
    const before = this.records.length;
    this.records = this.records.filter((r) => r.id !== id);
    if (this.records.length === before) return false;
    this.save();
    return true;
  }

  /** The local root token (DIR/root.token, 0600): kept while it is valid, else replaced. */
  ensureRootToken(file: string): string {
    if (existsSync(file)) {
      const current = readFileSync(file, 'utf8').trim();
      if (this.verify(current)) return current;
    }
    const { token } = this.create('root', 'local root token (root.token)');
    writeFileAtomic(file, `${token}\n`, 0o600);
    return token;
  }

  private save(): void {
    writeJsonAtomic(this.file, this.records, 0o600);
  }
}

const strip = ({ hash: _hash, ...info }: TokenRecord): TokenInfo => info;
