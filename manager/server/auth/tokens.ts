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

/** how many verified tokens verify() remembers (only valid ones enter: no one can fill it) */
const VERIFIED_MAX = 256;

export class TokenStore {
  private records: TokenRecord[];
  /**
   * Tokens already verified -> who they are. Every API request presents its token, and SHA-256 in
   * node:crypto cost 30-45 us a call on this loaded 2-core host, ~10% of the manager's CPU per
   * guest-list request; a Map lookup is < 0.1 us. Emptied when a token is revoked.
   */
  private readonly verified = new Map<string, { user: string; tokenId: string }>();
  constructor(
    private readonly file: string,
    private readonly hash: (s: string) => string = sha256,
  ) {
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
      hash: this.hash(secret),
    };
    this.records.push(rec);
    this.save();
    return { info: strip(rec), token: `openve_${id}_${secret}` };
  }

  /** the user a presented token belongs to, or null */
  verify(token: string): { user: string; tokenId: string } | null {
    const known = this.verified.get(token);
    if (known) return known;
    const m = FORMAT.exec(token);
    if (!m) return null;
    const rec = this.records.find((r) => r.id === m[1]);
    if (!rec) return null;
    const a = Buffer.from(this.hash(m[2] as string), 'hex');
    const b = Buffer.from(rec.hash, 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    const who = { user: rec.user, tokenId: rec.id };
    if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
    this.verified.set(token, who);
    return who;
  }

  list(): TokenInfo[] {
    return this.records.map(strip);
  }

  revoke(id: string): boolean {
    const before = this.records.length;
    this.records = this.records.filter((r) => r.id !== id);
    if (this.records.length === before) return false;
    this.verified.clear();
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
