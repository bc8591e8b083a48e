/**
 * Rate limiting on rate-limiter-flexible, pure of HTTP and GraphQL: callers get a
 * decision (or a KeywardError) and render headers themselves.
 * Memory store by default; Redis (shared by all instances) when a client is given.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { KeywardError } from '../errors.js';
import {
  describeScope,
  describeWindow,
  type PolicyName,
  type RateLimitPolicy,
  type RateLimitScope,
} from './policies.js';

export interface RateLimitDecision {
  allowed: boolean;
  policy: PolicyName;
  /** X-RateLimit-Source: the policy name unless overridden (the token policy is consumed as 'cli', 'v1', 'graphql'). */
  source: string;
  scope: RateLimitScope;
  limit: number;
  /** Never negative. */
  remaining: number;
  /** Seconds until the window resets: Math.ceil(msBeforeNext/1000), >= 0. */
  resetSeconds: number;
  /** >= 1 when denied, else 0. */
  retryAfterSeconds: number;
  /** The policy's window, for wording messages; absent on hand-built decisions. */
  windowSeconds?: number;
}

/**
 * The response headers for a decision: always RateLimit-Limit, RateLimit-Remaining
 * and RateLimit-Reset (delta seconds); a denial adds Retry-After, X-RateLimit-Scope
 *, and X-RateLimit-Source (docs/api.md, "Headers on every answer").
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(Math.max(0, decision.remaining)),
    'RateLimit-Reset': String(Math.max(0, decision.resetSeconds)),
  };
  if (!decision.allowed) {
    headers['Retry-After'] = String(Math.max(1, decision.retryAfterSeconds));
    headers['X-RateLimit-Scope'] = decision.scope;
    headers['X-RateLimit-Source'] = decision.source;
  }
  return headers;
}

/**
 * Throws KeywardError('rate_limit_exceeded') carrying the 429 headers when the
 * decision is a denial, with a message naming the limit and when to retry.
 */
export function assertAllowed(decision: RateLimitDecision): void {
  if (decision.allowed) return;
  const window = decision.windowSeconds === undefined ? '' : ` per ${describeWindow(decision.windowSeconds)}`;
  const retry = Math.max(1, decision.retryAfterSeconds);
  const delay =
    retry === 1 ? '1 second' : retry < 120 ? `${retry} seconds` : `${Math.ceil(retry / 60)} minutes`;
  throw new KeywardError(
    'rate_limit_exceeded',
    `Too many requests: the ${decision.source} limit is ${decision.limit}${window} per ` +
      `${describeScope(decision.scope)}; retry in ${delay}.`,
    { headers: rateLimitHeaders(decision) },
  );
}

export interface RateLimitsOptions {
  policies: Record<PolicyName, RateLimitPolicy>;
  /** Shared store; create it with enableOfflineQueue:false and a short commandTimeout so an outage fails fast. */
  redis?: Redis;
  /** Prefix of every store key; tests pass a random one so runs never collide. */
  keyPrefix?: string;
  /** Our own cap on a store round trip, in case the client still hangs. Default 500 ms. */
  storeTimeoutMs?: number;
  /**
   * Told about the store failures this class sees (fail-closed errors, our own timeouts), for
   * logging. Errors the library quietly answers from a fail-open policy's insurance never reach
   * here: log the ioredis client's 'error' events as well.
   */
  onStoreError?: (error: unknown, policy: PolicyName) => void;
}

interface LimiterEntry {
  limit: number;
  limiter: RateLimiterMemory | RateLimiterRedis;
  /** Per-instance fallback of a fail-open policy on Redis; the same object the library uses as insuranceLimiter. */
  insurance?: RateLimiterMemory;
}

type Outcome = { allowed: boolean; res: RateLimiterRes };

class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`The rate-limit store did not answer within ${ms} ms.`);
    this.name = 'StoreTimeoutError';
  }
}

/** Maps the library's promise: resolved = allowed, RateLimiterRes rejection = denied, Error = store failure (rethrown). */
async function settle(operation: Promise<RateLimiterRes>): Promise<Outcome> {
  try {
    return { allowed: true, res: await operation };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, res: rejection };
    throw rejection instanceof Error
      ? rejection
      : new Error(`Unexpected rate-limiter rejection: ${String(rejection)}`);
  }
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive whole number; got ${value}.`);
  }
  return value;
}

export class RateLimits {
  readonly #policies: Record<PolicyName, RateLimitPolicy>;
  readonly #redis: Redis | undefined;
  readonly #keyPrefix: string;
  readonly #storeTimeoutMs: number;
  readonly #onStoreError: ((error: unknown, policy: PolicyName) => void) | undefined;
  /** Limiters per policy and limit, created lazily: per-token limits vary, so one per distinct value. */
  readonly #limiters = new Map<string, LimiterEntry>();

  constructor(options: RateLimitsOptions) {
    this.#policies = options.policies;
    this.#redis = options.redis;
    this.#keyPrefix = options.keyPrefix ?? 'keyward:rl';
    this.#storeTimeoutMs = options.storeTimeoutMs ?? 500;
    this.#onStoreError = options.onStoreError;
  }

  /**
   * Spends `points` (default 1) of `policy` for `key` (an account id, token id or IP:
   * never a secret, since it ends up in Redis keys). `limit` overrides the policy's
   * points (a token's rateLimitPerMinute); `source` the X-RateLimit-Source name.
   * Denials resolve with allowed:false (see assertAllowed). When the store fails, a
   * fail-open policy answers from per-instance memory; a fail-closed one throws
   * KeywardError('service_unavailable'). Never waits longer than storeTimeoutMs on Redis.
   */
  async consume(
    policy: PolicyName,
    key: string,
    options: { points?: number; limit?: number; source?: string } = {},
  ): Promise<RateLimitDecision> {
    return this.spend(policy, key, options);
  }

  /**
   * consume(), answered synchronously where no shared store is configured: the per-instance
   * memory counter needs no round trip, so the request path awaits nothing for it.
   */
  spend(
    policy: PolicyName,
    key: string,
    options: { points?: number; limit?: number; source?: string } = {},
  ): RateLimitDecision | Promise<RateLimitDecision> {
    const rule = this.#policy(policy);
    const entry = this.#entry(rule, options.limit);
    const points = positiveInteger(options.points ?? 1, 'points');
    this.#checkKey(key);
    if (!this.#redis)
      return decide(
        rule,
        entry,
        consumeInMemory(entry.limiter as RateLimiterMemory, key, points, entry.limit),
        options.source,
      );
    return this.#spendShared(rule, entry, key, points).then((outcome) =>
      decide(rule, entry, outcome, options.source),
    );
  }

  async #spendShared(
    rule: RateLimitPolicy,
    entry: LimiterEntry,
    key: string,
    points: number,
  ): Promise<Outcome> {
    try {
      return await settle(this.#guard(entry.limiter.consume(key, points)));
    } catch (error) {
      this.#storeFailed(error, rule);
      // A fail-open policy gets here on our own timeout (the library already answers store
      // errors from the insurance). If Redis errors later, the library spends the insurance
      // point again: stricter, never looser, and only while Redis hangs.
      if (!entry.insurance) throw unavailable(rule);
      return settle(entry.insurance.consume(key, points));
    }
  }

  /**
   * Gives back up to `points` (default 1) already spent in the current window, e.g.
   * for a request that turned out not to count. Never gives credit beyond what was
   * spent (the library would store a negative count and allow more than the limit
   * later). Best effort: store failures are reported, not thrown.
   */
  async reward(
    policy: PolicyName,
    key: string,
    options: { points?: number; limit?: number } = {},
  ): Promise<void> {
    const rule = this.#policy(policy);
    const entry = this.#entry(rule, options.limit);
    const points = positiveInteger(options.points ?? 1, 'points');
    this.#checkKey(key);
    try {
      await this.#giveBack(entry.limiter, entry.limit, key, points);
    } catch (error) {
      this.#storeFailed(error, rule);
      if (entry.insurance) await this.#giveBack(entry.insurance, entry.limit, key, points);
    }
  }

  /** For tests and admin: forgets every counter of `key` under `policy` (store and per-instance fallback). */
  async reset(policy: PolicyName, key: string, options: { limit?: number } = {}): Promise<void> {
    const rule = this.#policy(policy);
    const entry = this.#entry(rule, options.limit);
    this.#checkKey(key);
    await entry.insurance?.delete(key);
    try {
      await this.#guard(entry.limiter.delete(key));
    } catch (error) {
      this.#storeFailed(error, rule);
      throw unavailable(rule);
    }
  }

  async #giveBack(
    limiter: RateLimiterMemory | RateLimiterRedis,
    limit: number,
    key: string,
    points: number,
  ): Promise<void> {
    const current = await this.#guard(limiter.get(key));
    if (!current || current.consumedPoints <= 0) return;
    await this.#guard(limiter.reward(key, Math.min(points, current.consumedPoints)));
    // inMemoryBlockOnConsumed blocked this key locally once it reached the limit, and the
    // library can only lift such blocks all at once. Rewards are rare and a flooding key
    // re-blocks after one more round trip, so clearing them all is cheap.
    if (limiter instanceof RateLimiterRedis && current.consumedPoints >= limit) {
      limiter.deleteInMemoryBlockedAll();
    }
  }

  #policy(name: PolicyName): RateLimitPolicy {
    const rule = this.#policies[name];
    if (!rule) throw new RangeError(`Unknown rate-limit policy ${JSON.stringify(name)}.`);
    return rule;
  }

  #checkKey(key: string): void {
    // An empty key would silently pool every caller into one shared counter.
    if (key.length === 0) throw new RangeError('A rate-limit key must not be empty.');
  }

  #entry(rule: RateLimitPolicy, limitOverride: number | undefined): LimiterEntry {
    const limit = positiveInteger(limitOverride ?? rule.points, 'limit');
    const cacheKey = `${rule.name}:${limit}`;
    let entry = this.#limiters.get(cacheKey);
    if (!entry) {
      entry = this.#createEntry(rule, limit);
      this.#limiters.set(cacheKey, entry);
    }
    return entry;
  }

  #createEntry(rule: RateLimitPolicy, limit: number): LimiterEntry {
    // Policy, limit and window in the prefix: a token whose limit changes, or an operator
    // who changes a window, starts fresh instead of sharing counters with another limit.
    const keyPrefix = `${this.#keyPrefix}:${rule.name}:${limit}-per-${rule.durationSeconds}s`;
    const base = { points: limit, duration: rule.durationSeconds, keyPrefix };
    if (!this.#redis) return { limit, limiter: new RateLimiterMemory(base) };
    const insurance = rule.onStoreFailure === 'open' ? new RateLimiterMemory(base) : undefined;
    const limiter = new RateLimiterRedis({
      ...base,
      // ioredis is the library's default client: useRedisPackage is only for node-redis v4+.
      storeClient: this.#redis,
      // Once a key has used its limit, this instance rejects it from memory until the
      // window ends, so a flood never reaches Redis.
      inMemoryBlockOnConsumed: limit,
      insuranceLimiter: insurance,
    });
    return { limit, limiter, insurance };
  }

  /** Caps a store round trip: a hung Redis must cost a request 500 ms, not its whole lifetime. */
  #guard<T>(operation: Promise<T>): Promise<T> {
    if (!this.#redis) return operation;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreTimeoutError(this.#storeTimeoutMs)), this.#storeTimeoutMs);
    });
    return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
  }

  #storeFailed(error: unknown, rule: RateLimitPolicy): void {
    // Without a store, an error is a bug in our code, not an outage to paper over.
    if (!this.#redis) throw error;
    this.#onStoreError?.(error, rule.name);
  }
}

/** What RateLimiterMemory keeps inside (rate-limiter-flexible 11.4.0, pinned): read to count synchronously. */
interface MemoryInternals {
  _memoryStorage: { incrby(key: string, value: number, durationSec: number): RateLimiterRes };
  getKey(key: string): string;
  duration: number;
}

/**
 * RateLimiterMemory.consume without its promise: the same record update (the library's
 * MemoryStorage.incrby), for limiters that use neither blockDuration nor execEvenly (ours never do).
 */
function consumeInMemory(limiter: RateLimiterMemory, key: string, points: number, limit: number): Outcome {
  const internals = limiter as unknown as MemoryInternals;
  const res = internals._memoryStorage.incrby(internals.getKey(key), points, internals.duration);
  (res as { remainingPoints: number }).remainingPoints = Math.max(limit - res.consumedPoints, 0);
  return { allowed: res.consumedPoints <= limit, res };
}

function decide(
  rule: RateLimitPolicy,
  entry: LimiterEntry,
  outcome: Outcome,
  source: string | undefined,
): RateLimitDecision {
  const resetSeconds = Math.max(0, Math.ceil(outcome.res.msBeforeNext / 1000));
  // A denial always says "retry in at least 1 s", and the reset agrees with it.
  const retryAfterSeconds = outcome.allowed ? 0 : Math.max(1, resetSeconds);
  return {
    allowed: outcome.allowed,
    policy: rule.name,
    source: source ?? rule.name,
    scope: rule.scope,
    limit: entry.limit,
    remaining: outcome.allowed ? Math.max(0, outcome.res.remainingPoints) : 0,
    resetSeconds: outcome.allowed ? resetSeconds : retryAfterSeconds,
    retryAfterSeconds,
    windowSeconds: rule.durationSeconds,
  };
}

function unavailable(rule: RateLimitPolicy): KeywardError {
  return new KeywardError(
    'service_unavailable',
    `The ${rule.name} rate limit cannot be checked right now; retry shortly.`,
    { headers: { 'Retry-After': '1' } },
  );
}
