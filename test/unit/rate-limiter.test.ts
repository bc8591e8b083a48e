import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardError } from '../../server/src/errors.js';
import { loadPolicies, type PolicyName } from '../../server/src/rate-limits/policies.js';
import {
  assertAllowed,
  type RateLimitDecision,
  RateLimits,
  rateLimitHeaders,
} from '../../server/src/rate-limits/rate-limiter.js';

// Small limits so tests stay fast; registry fails open, login fails closed.
const policies = loadPolicies({
  KEYWARD_LIMIT_REGISTRY: '3/1m',
  KEYWARD_LIMIT_LOGIN: '2/15m',
  KEYWARD_LIMIT_TOKEN_DEFAULT: '5/1m',
});

const denied: RateLimitDecision = {
  allowed: false,
  policy: 'login',
  source: 'login',
  scope: 'ip',
  limit: 10,
  remaining: 0,
  resetSeconds: 42,
  retryAfterSeconds: 42,
  windowSeconds: 900,
};

async function consumeTimes(limits: RateLimits, policy: PolicyName, key: string, times: number) {
  const decisions: RateLimitDecision[] = [];
  for (let i = 0; i < times; i++) decisions.push(await limits.consume(policy, key));
  return decisions;
}

describe('rateLimitHeaders', () => {
  it('gives only the three RateLimit headers for an allowed decision', () => {
    const allowed = { ...denied, allowed: true, remaining: 7, resetSeconds: 30, retryAfterSeconds: 0 };
    expect(rateLimitHeaders(allowed)).toEqual({
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '7',
      'RateLimit-Reset': '30',
    });
  });

  it('adds Retry-After, scope and source for a denied decision', () => {
    expect(rateLimitHeaders({ ...denied, policy: 'token', source: 'cli', scope: 'token' })).toEqual({
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '42',
      'Retry-After': '42',
      'X-RateLimit-Scope': 'token',
      'X-RateLimit-Source': 'cli',
    });
  });
});

describe('assertAllowed', () => {
  it('returns quietly for an allowed decision', () => {
    expect(() => assertAllowed({ ...denied, allowed: true, retryAfterSeconds: 0 })).not.toThrow();
  });

  it('throws rate_limit_exceeded with the headers and a sentence naming the limit and the wait', () => {
    const error = (() => {
      try {
        assertAllowed(denied);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(KeywardError);
    expect(error).toMatchObject({
      code: 'rate_limit_exceeded',
      status: 429,
      headers: rateLimitHeaders(denied),
    });
    expect((error as Error).message).toBe(
      'Too many requests: the login limit is 10 per 15 minutes per IP address; retry in 42 seconds.',
    );
  });
});

describe('RateLimits on the memory store', () => {
  it('allows exactly the limit and then denies with sane headers', async () => {
    const limits = new RateLimits({ policies });
    const allowed = await consumeTimes(limits, 'registry', '203.0.113.1', 3);
    expect(allowed.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    expect(allowed[0]).toMatchObject({ policy: 'registry', source: 'registry', scope: 'ip', limit: 3 });
    expect(allowed[0]?.retryAfterSeconds).toBe(0);
    expect(allowed[0]?.resetSeconds).toBeGreaterThan(0);
    expect(allowed[0]?.resetSeconds).toBeLessThanOrEqual(60);

    const next = await limits.consume('registry', '203.0.113.1');
    expect(next).toMatchObject({ allowed: false, remaining: 0, limit: 3, scope: 'ip', source: 'registry' });
    expect(next.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(next.retryAfterSeconds).toBeLessThanOrEqual(60);
    const headers = rateLimitHeaders(next);
    expect(headers['Retry-After']).toBe(String(next.retryAfterSeconds));
    expect(headers['RateLimit-Remaining']).toBe('0');
    expect(() => assertAllowed(next)).toThrow(/the registry limit is 3 per minute per IP address; retry in/);
  });

  it('counts separate keys independently', async () => {
    const limits = new RateLimits({ policies });
    await consumeTimes(limits, 'login', '198.51.100.1', 2);
    expect((await limits.consume('login', '198.51.100.1')).allowed).toBe(false);
    expect((await limits.consume('login', '198.51.100.2')).allowed).toBe(true);
  });

  it('uses a per-call limit override with its own counters', async () => {
    const limits = new RateLimits({ policies });
    const first = await limits.consume('token', 'tok_1', { limit: 2 });
    expect(first).toMatchObject({ allowed: true, limit: 2, remaining: 1, scope: 'token' });
    await limits.consume('token', 'tok_1', { limit: 2 });
    expect((await limits.consume('token', 'tok_1', { limit: 2 })).allowed).toBe(false);
    // Same key under the policy's default limit: a different counter.
    expect(await limits.consume('token', 'tok_1')).toMatchObject({ allowed: true, limit: 5, remaining: 4 });
  });

  it('reports the source given at consume time', async () => {
    const limits = new RateLimits({ policies });
    const decision = await limits.consume('token', 'tok_2', { limit: 1, source: 'cli' });
    expect(decision).toMatchObject({ policy: 'token', source: 'cli' });
    const refused = await limits.consume('token', 'tok_2', { limit: 1, source: 'graphql' });
    expect(rateLimitHeaders(refused)).toMatchObject({
      'X-RateLimit-Source': 'graphql',
      'X-RateLimit-Scope': 'token',
    });
  });

  it('spends several points at once when asked', async () => {
    const limits = new RateLimits({ policies });
    expect(await limits.consume('registry', 'ip-a', { points: 3 })).toMatchObject({
      allowed: true,
      remaining: 0,
    });
    expect((await limits.consume('registry', 'ip-a')).allowed).toBe(false);
  });

  it('gives back spent points on reward but never more than were spent', async () => {
    const limits = new RateLimits({ policies });
    await limits.reward('login', 'fresh-ip', { points: 5 });
    await consumeTimes(limits, 'login', 'fresh-ip', 2);
    await limits.reward('login', 'fresh-ip');
    expect((await limits.consume('login', 'fresh-ip')).allowed).toBe(true);
    expect((await limits.consume('login', 'fresh-ip')).allowed).toBe(false);
  });

  it('forgets a key on reset', async () => {
    const limits = new RateLimits({ policies });
    await consumeTimes(limits, 'login', 'ip-r', 3);
    await limits.reset('login', 'ip-r');
    expect(await limits.consume('login', 'ip-r')).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('refuses nonsense limits, points and keys', async () => {
    const limits = new RateLimits({ policies });
    await expect(limits.consume('token', 'tok', { limit: 0 })).rejects.toThrow(RangeError);
    await expect(limits.consume('token', 'tok', { points: 1.5 })).rejects.toThrow(RangeError);
    await expect(limits.consume('token', '')).rejects.toThrow(RangeError);
  });
});

const redisUrl = process.env.REDIS_URL;
if (!redisUrl)
  console.warn('Redis rate-limit tests SKIPPED: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run them.');

describe.skipIf(!redisUrl)('RateLimits on Redis', () => {
  const keyPrefix = `keyward-test:${randomUUID()}`;
  const clients: Redis[] = [];
  const sockets = new Set<Socket>();
  let silentServer: Server | undefined;

  function track(redis: Redis): Redis {
    redis.on('error', () => {}); // failures are the point of some tests; keep ioredis from logging them
    clients.push(redis);
    return redis;
  }

  /** A live client; waits for 'ready' because without an offline queue earlier commands fail. */
  async function liveClient(): Promise<Redis> {
    const redis = track(new Redis(redisUrl!, { enableOfflineQueue: false, commandTimeout: 500 }));
    await new Promise((resolve) => redis.once('ready', resolve));
    return redis;
  }

  function deadClient(port: number, extra: RedisOptions = {}): Redis {
    return track(
      new Redis({
        host: '127.0.0.1',
        port,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: 200,
        lazyConnect: true,
        ...extra,
      }),
    );
  }

  async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
    const started = performance.now();
    const [result] = await Promise.allSettled([run()]);
    return { ms: performance.now() - started, result: result! };
  }

  beforeAll(async () => {
    // Accepts connections and never answers: a hung Redis that only our own timeout catches.
    silentServer = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silentServer!.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    const live = clients.find((c) => c.status === 'ready');
    const keys = live ? await live.keys(`${keyPrefix}*`) : [];
    if (live && keys.length > 0) await live.del(...keys);
    for (const c of clients) c.disconnect();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silentServer?.close(resolve));
  });

  it('shares one count between two instances on the same Redis', async () => {
    const a = new RateLimits({ policies, redis: await liveClient(), keyPrefix });
    const b = new RateLimits({ policies, redis: await liveClient(), keyPrefix });
    const seen = [
      await a.consume('registry', 'shared-ip'),
      await b.consume('registry', 'shared-ip'),
      await a.consume('registry', 'shared-ip'),
    ];
    expect(seen.map((d) => d.remaining)).toEqual([2, 1, 0]);
    expect(seen.every((d) => d.allowed)).toBe(true);
    const refused = await b.consume('registry', 'shared-ip');
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 3 });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await a.consume('registry', 'shared-ip')).allowed).toBe(false);
  });

  it('keeps different limits of one policy in different Redis keys', async () => {
    const redis = await liveClient();
    const limits = new RateLimits({ policies, redis, keyPrefix });
    await limits.consume('token', 'tok_r', { limit: 7 });
    await limits.consume('token', 'tok_r');
    const keys = (await redis.keys(`${keyPrefix}:token:*`)).sort();
    expect(keys).toEqual([`${keyPrefix}:token:5-per-60s:tok_r`, `${keyPrefix}:token:7-per-60s:tok_r`]);
  });

  it('lets a reward lift the in-memory block of a key that reached its limit', async () => {
    const limits = new RateLimits({ policies, redis: await liveClient(), keyPrefix });
    // The second point reaches the limit, so this instance now blocks the key in memory.
    await consumeTimes(limits, 'login', 'reward-ip', 2);
    await limits.reward('login', 'reward-ip');
    expect((await limits.consume('login', 'reward-ip')).allowed).toBe(true);
    await limits.reset('login', 'reward-ip');
    expect(await limits.consume('login', 'reward-ip')).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('answers a fail-open policy from per-instance memory, quickly, when Redis is down', async () => {
    const limits = new RateLimits({ policies, redis: deadClient(1), keyPrefix });
    const { ms, result } = await timed(() => consumeTimes(limits, 'registry', 'down-ip', 4));
    expect(ms).toBeLessThan(1000);
    expect(result.status).toBe('fulfilled');
    const decisions = result.status === 'fulfilled' ? result.value : [];
    // The insurance limiter still enforces the same limit.
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
  });

  it('refuses a fail-closed policy with service_unavailable, quickly, when Redis is down', async () => {
    const limits = new RateLimits({ policies, redis: deadClient(1), keyPrefix });
    const { ms, result } = await timed(() => limits.consume('login', 'down-ip'));
    expect(ms).toBeLessThan(1000);
    expect(result.status).toBe('rejected');
    const reason = result.status === 'rejected' ? result.reason : undefined;
    expect(reason).toBeInstanceOf(KeywardError);
    expect(reason).toMatchObject({ code: 'service_unavailable', status: 503 });
  });

  it('gives up on a Redis that never answers after its own timeout', async () => {
    const address = silentServer?.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // No commandTimeout and no handshake: only RateLimits' own guard stands between us and a hang.
    const redis = deadClient(port, {
      commandTimeout: undefined,
      enableReadyCheck: false,
      disableClientInfo: true,
      lazyConnect: false,
    });
    await new Promise((resolve) => redis.once('ready', resolve));
    const errors: unknown[] = [];
    const limits = new RateLimits({
      policies,
      redis,
      keyPrefix,
      storeTimeoutMs: 150,
      onStoreError: (e) => errors.push(e),
    });
    const open = await timed(() => limits.consume('registry', 'hung-ip'));
    expect(open.ms).toBeLessThan(1000);
    expect(open.result).toMatchObject({ status: 'fulfilled', value: { allowed: true, remaining: 2 } });
    const closed = await timed(() => limits.consume('login', 'hung-ip'));
    expect(closed.ms).toBeLessThan(1000);
    expect(closed.result).toMatchObject({ status: 'rejected', reason: { code: 'service_unavailable' } });
    expect(errors).toHaveLength(2);
  });
});
