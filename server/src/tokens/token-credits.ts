import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { CreditLeases } from './credit-leases.js';
import { refillPeriodStart } from './token-restrictions.js';
import type { UsageRefill } from './token-rules.js';
import type { UsageRefillInterval } from './tokens.entity.js';

/** The answer to one request's credit. */
export interface CreditSpend {
  allowed: boolean;
  /** Credits left after this request (0 when refused). */
  remaining: number;
  /** Redis only: the refill period (epoch seconds) the credit was taken from, for a refund. */
  period?: number;
  /** PostgreSQL: instances hold leased credits of the token, which may come back to the count. */
  leased?: boolean;
}

interface Waiter {
  resolve: (spend: CreditSpend) => void;
  reject: (error: unknown) => void;
}

/**
 * The credit a request takes, per token and request, in one statement for every token that spent
 * in the same event-loop turn. A refill first restores `usage_refill_amount` when the stored
 * period is older than the current one (database clock, UTC: date_trunc day/week/month). Every
 * expression reads the row as locked by this UPDATE (PostgreSQL re-reads a row a concurrent
 * transaction changed), so two instances never grant the same credit; `last_granted` carries the
 * grant to RETURNING, which sees only the new row.
 */
const refilling = `t.usage_refill_interval is not null
  and (c.period_start is null or c.period_start < date_trunc(lower(t.usage_refill_interval), now() at time zone 'utc') at time zone 'utc')`;
const available = `(case when ${refilling} then t.usage_refill_amount else c.remaining end)`;
const SPEND_SQL = `
  update token_credit c set
    last_granted = least(${available}, w.n),
    remaining = ${available} - least(${available}, w.n),
    period_start = case when ${refilling}
      then date_trunc(lower(t.usage_refill_interval), now() at time zone 'utc') at time zone 'utc'
      else c.period_start end
  from unnest($1::uuid[], $2::int[]) as w(token_id, n) join api_token t on t.id = w.token_id
  where c.token_id = w.token_id
  returning c.token_id, c.last_granted as granted, c.remaining,
    exists (select 1 from token_credit_lease l where l.token_id = c.token_id and l.granted > l.spent) as leased`;

/**
 * The credits of tokens as the database last counted them, refills due applied, plus those that
 * live instances hold in lease mode (credit-leases.ts; spends written behind), for display. A lease
 * row not written for a minute is a crashed instance's: its credits are lost, not shown.
 */
const REMAINING_SQL = `
  select c.token_id, case when ${refilling} then t.usage_refill_amount else c.remaining + coalesce((
      select sum(greatest(l.granted - l.spent, 0)) from token_credit_lease l
      where l.token_id = c.token_id and l.period_start is not distinct from c.period_start
        and l.written_at > now() - interval '1 minute'), 0)::int end as remaining,
         t.usage_refill_amount as refill_amount, t.usage_refill_interval as refill_interval
  from token_credit c join api_token t on t.id = c.token_id where c.token_id = any($1::uuid[])`;

/**
 * Lua, atomic in Redis: KEYS[1] is a token's counter {r = remaining, p = refill period start,
 * epoch seconds}. ARGV: points (negative: a refund into period ARGV[6]), refill interval ('' for
 * none), refill amount, and the database's remaining and period to start from when the key is
 * missing ('' = unknown: the script answers -1 and the caller reads the database). Periods are
 * counted on Redis's clock (TIME), one clock for every instance, like the database's for PostgreSQL.
 */
const SPEND_SCRIPT = `
local function periodStart(interval, now)
  local days = math.floor(now / 86400)
  if interval == 'DAY' then return days * 86400 end
  if interval == 'WEEK' then return (days - (days + 3) % 7) * 86400 end
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  return (days - (d - 1)) * 86400
end
local r = redis.call('HGET', KEYS[1], 'r')
local p
if r then
  r = tonumber(r)
  p = tonumber(redis.call('HGET', KEYS[1], 'p'))
elseif ARGV[4] == '' then
  return {-1, 0, 0}
else
  r = tonumber(ARGV[4])
  p = tonumber(ARGV[5])
end
if ARGV[2] ~= '' then
  local start = periodStart(ARGV[2], tonumber(redis.call('TIME')[1]))
  if start > p then
    r = tonumber(ARGV[3])
    p = start
  end
end
local n = tonumber(ARGV[1])
local granted = 0
if n >= 0 then
  granted = math.min(r, n)
  r = r - granted
elseif tonumber(ARGV[6]) == p then
  r = r - n
end
redis.call('HSET', KEYS[1], 'r', r, 'p', p)
return {granted, r, p}`;

/**
 * Lua: caps a token's counter at ARGV[1] (a tightened usageLimit), creating it from the database's
 * count (ARGV[2], period ARGV[3]) when missing, so a spend that read the database before the
 * change cannot restore the old count afterwards.
 */
const CAP_SCRIPT = `
local r = redis.call('HGET', KEYS[1], 'r')
local cap = tonumber(ARGV[1])
if r then
  if tonumber(r) > cap then redis.call('HSET', KEYS[1], 'r', cap) end
else
  redis.call('HSET', KEYS[1], 'r', math.min(cap, tonumber(ARGV[2])), 'p', tonumber(ARGV[3]))
end
return 1`;

type CreditScripts = Redis & {
  keywardSpendCredit(key: string, ...args: string[]): Promise<[number, number, number]>;
  keywardCapCredit(key: string, ...args: string[]): Promise<number>;
};

/**
 * Usage credits (usageLimit), exact on every instance: no credit is ever granted twice, and a
 * token's last credits are spent one statement (or script) each.
 *
 * - Without Redis: PostgreSQL. A token with at least LEASE_THRESHOLD credits left is in lease mode
 *   (credit-leases.ts): this instance takes a block of its credits in one statement that records
 *   it, and spends them from memory, synchronously; unspent credits go back to the count on a
 *   graceful stop, when the token changes or leaves lease mode. An instance killed outright loses
 *   what it held: at most one block (LEASE_BLOCK_MAX) per token; nothing is spent twice. Below the
 *   threshold (exact mode), a request is answered only after its credit is durably taken: one
 *   UPDATE at a time for all the requests that arrived while the previous one ran (group commit),
 *   on the narrow token_credit table, so a killed instance loses at most its requests in flight.
 * - With Redis: an atomic Lua script, sent in the same tick as the rate-limit call so both share
 *   one round trip; the database copy is written behind (at most one value per token per flush,
 *   the lowest of its period), and read once when Redis lacks the key.
 *
 * A token whose credits are gone, that has no refill and whose credits no instance holds never
 * regains any (restrictions only tighten), so this instance remembers it and refuses without a
 * round trip.
 */
export class TokenCredits {
  private batch: Map<string, Waiter[]> | null = null;
  /** A spending statement is in flight (PostgreSQL mode). */
  private sending = false;
  /** Tokens known to have no credits left, until the epoch ms given (Infinity without a refill). */
  private readonly exhausted = new Map<string, number>();
  /** Redis mode: the latest count per token, for the database copy. */
  private pendingCopies = new Map<string, { remaining: number; period: number }>();
  private timer: NodeJS.Timeout | null = null;
  private readonly redis: CreditScripts | null;
  /** PostgreSQL mode: blocks of credits this instance spends from memory. */
  private readonly leases: CreditLeases;

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      redis: Redis | null;
      keyPrefix: string;
      logger: Logger;
      flushMs: number;
      /** Whether token changes are being heard on every channel (else no lease is taken). */
      canLease?: () => boolean;
    },
  ) {
    this.leases = new CreditLeases({
      pool: deps.pool,
      logger: deps.logger,
      canLease: deps.canLease ?? (() => false),
    });
    this.redis = deps.redis as CreditScripts | null;
    this.redis?.defineCommand('keywardSpendCredit', { numberOfKeys: 1, lua: SPEND_SCRIPT });
    this.redis?.defineCommand('keywardCapCredit', { numberOfKeys: 1, lua: CAP_SCRIPT });
  }

  get shared(): boolean {
    return this.redis !== null;
  }

  /** This process's id on its credit lease rows (token_credit_lease). */
  get instanceId(): string {
    return this.leases.instanceId;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.deps.flushMs);
    this.timer.unref();
  }

  /** Writes what is pending and gives back every leased credit unspent (graceful stop). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.leases.stop();
    await this.flush();
  }

  /**
   * Takes one credit of `tokenId` (whose restrictions carry a usageLimit). In lease mode the
   * answer is immediate (no promise: docs/architecture.md, the request's way).
   */
  spend(tokenId: string, refill: UsageRefill | null): CreditSpend | Promise<CreditSpend> {
    const until = this.exhausted.get(tokenId);
    if (until !== undefined) {
      if (Date.now() < until) return { allowed: false, remaining: 0 };
      this.exhausted.delete(tokenId);
    }
    if (this.redis)
      return this.spendShared(tokenId, refill).then((spend) => this.counted(tokenId, spend, refill));
    const leased = this.leases.spend(tokenId);
    if (typeof leased === 'number') return { allowed: true, remaining: leased };
    if (leased === null) return this.spendExactly(tokenId, refill);
    return leased.then((remaining) =>
      remaining === null ? this.spendExactly(tokenId, refill) : { allowed: true, remaining },
    );
  }

  private spendExactly(tokenId: string, refill: UsageRefill | null): Promise<CreditSpend> {
    return this.spendInDatabase(tokenId).then((spend) => {
      this.leases.observed(tokenId, spend.remaining);
      return this.counted(tokenId, spend, refill);
    });
  }

  /** Remembers a token found without credits. */
  private counted(tokenId: string, spend: CreditSpend, refill: UsageRefill | null): CreditSpend {
    if (spend.remaining === 0) {
      if (this.exhausted.size >= MAX_EXHAUSTED) this.exhausted.clear();
      this.exhausted.set(tokenId, exhaustedUntil(refill, spend.leased === true));
    }
    return spend;
  }

  /**
   * Gives back a credit taken for a request that was then refused by the rate limiter (the two
   * are sent together with Redis). Redis only; a refund into a period that has ended is dropped.
   */
  async refund(tokenId: string, spend: CreditSpend, refill: UsageRefill | null): Promise<void> {
    if (!this.redis || !spend.allowed) return;
    this.exhausted.delete(tokenId);
    const [, remaining, period] = await this.redis.keywardSpendCredit(
      this.key(tokenId),
      '-1',
      refill?.interval ?? '',
      String(refill?.amount ?? 0),
      '',
      '',
      String(spend.period ?? 0),
    );
    this.copy(tokenId, remaining, period);
  }

  /** Credits left per token (tokens without credits are absent), for display. */
  async remaining(tokenIds: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (tokenIds.length === 0) return result;
    const { rows } = await this.deps.pool.query<{
      token_id: string;
      remaining: number;
      refill_amount: number | null;
      refill_interval: UsageRefillInterval | null;
    }>(REMAINING_SQL, [tokenIds]);
    for (const row of rows) result.set(row.token_id, row.remaining);
    const redis = this.redis;
    if (redis) {
      const counts = await Promise.all(rows.map((row) => redis.hmget(this.key(row.token_id), 'r', 'p')));
      rows.forEach((row, index) => {
        const [count, period] = counts[index] ?? [];
        if (count == null) return;
        // A refill the counter has not applied yet (no request since the period began).
        const due =
          row.refill_interval !== null &&
          refillPeriodStart(row.refill_interval, Date.now()).getTime() / 1000 > Number(period);
        result.set(row.token_id, due ? (row.refill_amount ?? 0) : Number(count));
      });
    }
    return result;
  }

  /**
   * In the transaction that lowers a token's usageLimit: caps its count, and voids what its leases
   * hold (granted = spent, so nothing of them is given back): credits an instance held at that
   * moment are forfeit, at most one block per instance, and never more than the new limit is
   * served. Every instance hears of the change (the token row's trigger) and stops spending them.
   */
  async tighten(tx: EntityManager, tokenId: string, limit: number): Promise<void> {
    await tx.execute('update token_credit set remaining = least(remaining, ?) where token_id = ?', [
      limit,
      tokenId,
    ]);
    await tx.execute('update token_credit_lease set granted = spent where token_id = ?', [tokenId]);
  }

  /**
   * After a committed tightening of usageLimit: caps the shared counter too (the database's was
   * capped in the same transaction). Forgets this instance's memory of the token.
   */
  async capped(tokenId: string, limit: number): Promise<void> {
    this.forget(tokenId);
    if (!this.redis) return;
    const { rows } = await this.deps.pool.query<{ remaining: number; period: number | null }>(
      'select remaining, extract(epoch from period_start)::float8 as period from token_credit where token_id = $1',
      [tokenId],
    );
    const row = rows[0];
    if (!row) return;
    await this.redis.keywardCapCredit(
      this.key(tokenId),
      String(limit),
      String(row.remaining),
      String(row.period ?? 0),
    );
  }

  /**
   * Forgets what this instance remembers about a token, and ends its lease here (unspent credits
   * go back at once): the token changed, here or on another instance (the invalidation channel),
   * or every token when `tokenId` is null (the channel dropped: changes may go unheard).
   */
  forget(tokenId: string | null): void {
    if (tokenId === null) this.exhausted.clear();
    else this.exhausted.delete(tokenId);
    this.leases.drop(tokenId);
  }

  private key(tokenId: string): string {
    return `${this.deps.keyPrefix}:credit:${tokenId}`;
  }

  /**
   * Queues a credit for the next statement. One statement is in flight at a time: the requests
   * arriving meanwhile wait for the next one, together, so the batch grows with the load instead
   * of the statements (they would only queue behind each other on the row lock anyway).
   */
  private spendInDatabase(tokenId: string): Promise<CreditSpend> {
    let batch = this.batch;
    if (!batch) {
      batch = this.batch = new Map();
      if (!this.sending) setImmediate(() => this.sendNext());
    }
    const pending = batch;
    return new Promise((resolve, reject) => {
      const waiters = pending.get(tokenId);
      if (waiters) waiters.push({ resolve, reject });
      else pending.set(tokenId, [{ resolve, reject }]);
    });
  }

  private sendNext(): void {
    const batch = this.batch;
    if (this.sending || !batch) return;
    this.batch = null;
    this.sending = true;
    this.send(batch).finally(() => {
      this.sending = false;
      this.sendNext();
    });
  }

  private send(batch: Map<string, Waiter[]>): Promise<void> {
    const entries = [...batch];
    return this.deps.pool
      .query<{ token_id: string; granted: number; remaining: number; leased: boolean }>({
        name: 'keyward_spend_credits',
        text: SPEND_SQL,
        values: [entries.map(([id]) => id), entries.map(([, waiters]) => waiters.length)],
      })
      .then(
        ({ rows }) => {
          const byId = new Map(rows.map((row) => [row.token_id, row]));
          for (const [id, waiters] of entries) {
            const row = byId.get(id);
            let granted = row?.granted ?? 0;
            const left = row?.remaining ?? 0;
            const leased = row?.leased ?? false;
            // The first comers of the batch get the credits; each sees the count after its own.
            for (const waiter of waiters) {
              const allowed = granted > 0;
              if (allowed) granted--;
              waiter.resolve({ allowed, remaining: allowed ? left + granted : 0, leased });
            }
          }
        },
        (error: unknown) => {
          for (const [, waiters] of entries) for (const waiter of waiters) waiter.reject(error);
        },
      );
  }

  private async spendShared(tokenId: string, refill: UsageRefill | null): Promise<CreditSpend> {
    const redis = this.redis!;
    const key = this.key(tokenId);
    const interval = refill?.interval ?? '';
    const amount = String(refill?.amount ?? 0);
    let [granted, remaining, period] = await redis.keywardSpendCredit(key, '1', interval, amount, '', '');
    if (granted === -1) {
      // Unknown to Redis (first use, or Redis lost it): start from the database's count.
      const { rows } = await this.deps.pool.query<{ remaining: number; period: number | null }>(
        'select remaining, extract(epoch from period_start)::float8 as period from token_credit where token_id = $1',
        [tokenId],
      );
      const row = rows[0];
      [granted, remaining, period] = await redis.keywardSpendCredit(
        key,
        '1',
        interval,
        amount,
        String(row?.remaining ?? 0),
        String(row?.period ?? 0),
      );
    }
    this.copy(tokenId, remaining, period);
    return { allowed: granted > 0, remaining, period };
  }

  private copy(tokenId: string, remaining: number, period: number): void {
    const known = this.pendingCopies.get(tokenId);
    if (!known || period > known.period || (period === known.period && remaining < known.remaining))
      this.pendingCopies.set(tokenId, { remaining, period });
  }

  /**
   * Lease mode: writes what the leases spent and gives back what ended ones hold. Redis mode:
   * writes the counts seen since the last flush to the database, never raising a count within its
   * period (instances flush in any order).
   */
  async flush(): Promise<void> {
    if (this.leases.holding) await this.leases.flush();
    if (this.pendingCopies.size === 0) return;
    const copies = this.pendingCopies;
    this.pendingCopies = new Map();
    const ids = [...copies.keys()];
    try {
      await this.deps.pool.query(
        `update token_credit c set remaining = v.remaining, period_start = v.period
         from (select id, remaining, case when period > 0 then to_timestamp(period) end as period
               from unnest($1::uuid[], $2::int[], $3::float8[]) as u(id, remaining, period)) v
         where c.token_id = v.id
           and (coalesce(c.period_start, '-infinity') < coalesce(v.period, '-infinity')
             or (c.period_start is not distinct from v.period and c.remaining > v.remaining))`,
        [ids, ids.map((id) => copies.get(id)!.remaining), ids.map((id) => copies.get(id)!.period)],
      );
    } catch (error) {
      this.deps.logger.warn({ err: String(error) }, 'credit copy to the database failed; will retry');
      for (const [id, copy] of copies) this.copy(id, copy.remaining, copy.period);
    }
  }
}

const MAX_EXHAUSTED = 10_000;

/**
 * Until when a token with no credits left is refused from memory: for good without a refill;
 * with one, for a second at most, since the refill is decided on the shared clock, not this one;
 * and for a second too while instances hold leased credits of it, which come back when they end.
 */
function exhaustedUntil(refill: UsageRefill | null, leased: boolean): number {
  return refill || leased ? Date.now() + 1000 : Number.POSITIVE_INFINITY;
}
