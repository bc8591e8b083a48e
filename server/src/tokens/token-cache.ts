import type { Account } from '../accounts/accounts.entity.js';
import type { TokenMemo, VerifiedToken } from '../principal.js';

/** What a verification decision needs, keyed by the secret's SHA-256 (never the secret). */
export interface CachedToken {
  token: VerifiedToken;
  active: boolean;
  revoked: boolean;
  /** performance.now() at which the token expires (Infinity: never), from the database's clock. */
  expiresAt: number;
  /** performance.now() from which the token works (notBefore; -Infinity: at once), from the database's clock. */
  startsAt: number;
  /** performance.now() at which a rotated token's grace ends (Infinity: not rotated), from the database's clock. */
  graceEndsAt: number;
  /** The display prefix of the token that replaced this one by rotation; null: not rotated. */
  successorPrefix: string | null;
  /** The allow-list's predicate on the client address; null when the token has none. */
  allowedFrom: ((address: string | null) => boolean) | null;
  /** performance.now() after which the entry must be looked up again (a bounded lifetime). */
  staleAt: number;
  /** null when the owning account no longer exists. */
  account: Account | null;
  /** The token's effective permissions (preset ∩ owner), computed once per entry. */
  permissions: ReadonlySet<string>;
  /** Answers derived from this entry, dropped with it. */
  memo: TokenMemo;
}

export interface TokenCacheStats {
  hits: number;
  misses: number;
  evictions: number;
}

/**
 * A bounded in-process LRU of verified tokens, plus a smaller LRU of hashes known not to exist
 * (floods of random well-formed tokens then cost no query). Any eviction bumps `generation`, so a
 * lookup that raced an eviction never stores its (possibly stale) row.
 */
export class TokenCache {
  private readonly entries = new Map<string, CachedToken>();
  private readonly unknown = new Map<string, true>();
  private readonly hashesByToken = new Map<string, string>();
  private readonly hashesByAccount = new Map<string, Set<string>>();
  /** False while the invalidation channel is down: every lookup then goes to the database. */
  enabled = false;
  generation = 0;
  readonly stats: TokenCacheStats = { hits: 0, misses: 0, evictions: 0 };

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxUnknown = 10_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(hash: string): CachedToken | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(hash);
    if (entry) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.entries.delete(hash);
      this.entries.set(hash, entry);
      this.stats.hits++;
    } else {
      this.stats.misses++;
    }
    return entry;
  }

  isKnownUnknown(hash: string): boolean {
    return this.enabled && this.unknown.has(hash);
  }

  set(hash: string, entry: CachedToken, generation: number): void {
    if (!this.enabled || generation !== this.generation) return;
    this.entries.set(hash, entry);
    this.hashesByToken.set(entry.token.id, hash);
    const accountId = entry.token.accountId;
    let hashes = this.hashesByAccount.get(accountId);
    if (!hashes) {
      hashes = new Set();
      this.hashesByAccount.set(accountId, hashes);
    }
    hashes.add(hash);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.drop(oldest);
    }
  }

  setUnknown(hash: string, generation: number): void {
    if (!this.enabled || generation !== this.generation) return;
    this.unknown.set(hash, true);
    if (this.unknown.size > this.maxUnknown) {
      const oldest = this.unknown.keys().next().value;
      if (oldest !== undefined) this.unknown.delete(oldest);
    }
  }

  evictToken(tokenId: string): void {
    this.generation++;
    const hash = this.hashesByToken.get(tokenId);
    if (hash) this.drop(hash);
  }

  evictAccount(accountId: string): void {
    this.generation++;
    for (const hash of this.hashesByAccount.get(accountId) ?? []) this.drop(hash);
  }

  clear(): void {
    this.generation++;
    this.stats.evictions += this.entries.size;
    this.entries.clear();
    this.unknown.clear();
    this.hashesByToken.clear();
    this.hashesByAccount.clear();
  }

  private drop(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.entries.delete(hash);
    this.stats.evictions++;
    this.hashesByToken.delete(entry.token.id);
    const hashes = this.hashesByAccount.get(entry.token.accountId);
    hashes?.delete(hash);
    if (hashes?.size === 0) this.hashesByAccount.delete(entry.token.accountId);
  }
}
