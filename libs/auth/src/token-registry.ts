import { createHash, timingSafeEqual } from 'node:crypto';

export type TokenRole = 'viewer' | 'ingest' | 'operator' | 'admin';

export interface ConfiguredToken {
  name: string;
  sha256: string;
  role: TokenRole;
  identity?: string;
}

export interface Principal {
  /** The token's configured name: what the audit log records (never the token). */
  name: string;
  role: TokenRole;
  identity?: string;
}

/** viewer < operator < admin; `ingest` only posts events; admin may also ingest. */
export function roleSatisfies(have: TokenRole, need: TokenRole): boolean {
  if (need === 'ingest') return have === 'ingest' || have === 'admin';
  const rank: Record<TokenRole, number> = { ingest: -1, viewer: 0, operator: 1, admin: 2 };
  return rank[have] >= rank[need];
}

/**
 * Resolves a presented bearer token to its configured principal. Tokens are stored as
 * SHA-256 hashes; the presented token is hashed and compared with every configured hash in
 * constant time (no early exit), so timing tells nothing about which hash was close.
 */
export class TokenRegistry {
  private readonly entries: { digest: Buffer; principal: Principal }[];

  constructor(tokens: readonly ConfiguredToken[]) {
    this.entries = tokens.map((t) => ({
      digest: Buffer.from(t.sha256.toLowerCase(), 'hex'),
      principal: { name: t.name, role: t.role, ...(t.identity ? { identity: t.identity } : {}) },
    }));
  }

  resolve(token: string): Principal | null {
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let found: Principal | null = null;
    for (const e of this.entries) {
      if (e.digest.length === presented.length && timingSafeEqual(e.digest, presented) && !found) found = e.principal;
    }
    return found;
  }

  get size(): number {
    return this.entries.length;
  }
}

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
