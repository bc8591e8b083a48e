import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { INVALIDATION_CHANNEL } from '../cache/invalidation-bus.js';
import type { Logger } from '../logger.js';

/**
 * A token leases (an instance takes its credits in blocks and spends them from memory) only while
 * the database's count is at least this; below it every credit is taken by its own statement
 * (exact mode), so a token's last credits are always spent exactly.
 */
export const LEASE_THRESHOLD = 10_000;
/** The smallest block an instance takes, the size of its first one. */
export const LEASE_BLOCK_MIN = 100;
/**
 * The most credits of one token an instance ever holds unspent: what its crash can lose. A block
 * is also never more than 1% of the count it is taken from.
 */
export const LEASE_BLOCK_MAX = 1_000;
/** A block is sized to last about this long at the instance's recent pace for the token. */
const LEASE_SPAN_MS = 1_000;
/** A lease unused this long is given back at the next flush. */
const LEASE_IDLE_MS = 10_000;

/** One instance's block of a token's credits. */
interface Lease {
  /** The lease's row (token_credit_lease.lease_id). */
  id: string;
  tokenId: string;
  /** Credits taken and not spent. */
  held: number;
  /** Credits spent since the last write-behind. */
  unwritten: number;
  /** The most this lease holds (top-ups fill it back to this). */
  block: number;
  /**
   * The refill period the credits belong to (epoch seconds, database clock); null without a
   * refill; undefined before the first block.
   */
  period: number | null | undefined;
  /** performance.now() at which that period ends (Infinity without a refill). */
  deadline: number;
  /** The database's count after the last block, for display. */
  count: number;
  /** performance.now() of the last block, and the credits spent since: the pace. */
  takenAt: number;
  spentSinceTake: number;
  /** performance.now() of the first flush that found nothing spent since the one before; null: in use. */
  idleSince: number | null;
  taking: Promise<void> | null;
  retired: boolean;
}

const refilling = `t.usage_refill_interval is not null
  and (c.period_start is null or c.period_start < date_trunc(lower(t.usage_refill_interval), now() at time zone 'utc') at time zone 'utc')`;
const available = `(case when ${refilling} then t.usage_refill_amount else c.remaining end)`;

/**
 * Takes a block ($3 credits, at most 1% of the count) for lease $2 of instance $5 when the count
 * is at least $4 (the threshold), and records it on the lease row in the same statement. A block from a new
 * refill period replaces the row's old period. The WHERE is re-checked on the row as locked, so
 * concurrent takes and spends never grant the same credit. A block that leaves the count below the
 * threshold notifies every instance (`token:<id>`, the cache's invalidation channel) to give back
 * what it holds: the token is entering exact mode.
 */
const TAKE_SQL = `
  with taken as (
    update token_credit c set
      last_granted = least($3::int, ${available} / 100),
      remaining = ${available} - least($3::int, ${available} / 100),
      period_start = case when ${refilling}
        then date_trunc(lower(t.usage_refill_interval), now() at time zone 'utc') at time zone 'utc'
        else c.period_start end
    from api_token t
    where c.token_id = $1 and t.id = c.token_id and ${available} >= $4
    returning c.token_id, c.last_granted as granted, c.remaining, c.period_start,
      t.usage_refill_interval as refill_interval
  ), leased as (
    insert into token_credit_lease as l (token_id, lease_id, instance_id, period_start, granted, spent, taken_at, written_at)
    select token_id, $2, $5, period_start, granted, 0, now(), now() from taken
    on conflict (token_id, lease_id) do update set
      granted = case when l.period_start is not distinct from excluded.period_start
        then l.granted + excluded.granted else excluded.granted end,
      spent = case when l.period_start is not distinct from excluded.period_start then l.spent else 0 end,
      period_start = excluded.period_start,
      taken_at = now()
    returning 1
  ), told as (
    select pg_notify('${INVALIDATION_CHANNEL}', 'token:' || token_id::text) from taken where remaining < $4
  )
  select granted, remaining, extract(epoch from period_start)::float8 as period,
    (extract(epoch from ((period_start at time zone 'utc') + ('1 ' || lower(refill_interval))::interval)
      at time zone 'utc' - now()) * 1000)::float8 as ms_left,
    (select count(*) from leased)::int as leased, (select count(*) from told)::int as told
  from taken`;

/** Write-behind: what live leases spent since the last flush (and that their instance is alive). */
const WRITE_SQL = `
  update token_credit_lease l set spent = l.spent + u.spent, written_at = now()
  from unnest($1::uuid[], $2::uuid[], $3::int[]) as u(token_id, lease_id, spent)
  where l.token_id = u.token_id and l.lease_id = u.lease_id`;

/**
 * Ends leases: deletes their rows and gives their unspent credits back to the count, in the period
 * they were taken from only (a refill since has reset the count), never more than the row still
 * holds (a tightening forfeits what leases held: see TokenCredits.tighten) nor above usageLimit.
 */
const RETURN_SQL = `
  with u as (
    select * from unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[]) as u(token_id, lease_id, spent, returned)
  ), ended as (
    delete from token_credit_lease l using u
    where l.token_id = u.token_id and l.lease_id = u.lease_id
    returning l.token_id, l.period_start, least(u.returned, greatest(l.granted - l.spent - u.spent, 0)) as returned
  )
  update token_credit c set remaining = least(c.remaining + ended.returned, t.usage_limit)
  from ended join api_token t on t.id = ended.token_id
  where c.token_id = ended.token_id and ended.returned > 0
    and c.period_start is not distinct from ended.period_start`;

/**
 * Lease mode of usage credits in PostgreSQL (no Redis), for tokens with plenty of them: this
 * instance takes a block of a token's credits in one statement that also records it
 * (token_credit_lease), spends it from memory synchronously, and takes the next block when half
 * is spent. What is spent is written behind on the lease row; what is unspent goes back to the
 * count when the lease ends: on a graceful stop, when the token changes (any `token:<id>`
 * invalidation: a tightening, a revocation, the count falling below LEASE_THRESHOLD), when its
 * refill period ends, when the count is found below the threshold, or after LEASE_IDLE_MS unused.
 *
 * A credit is in exactly one place (the count, or one instance's block), so none is spent twice.
 * An instance killed without a graceful stop loses what it held: at most its current block per
 * token (LEASE_BLOCK_MAX, and no more than 1% of the count the block was taken from), on record in
 * its lease rows (granted - spent, give or take one flush of spends).
 */
export class CreditLeases {
  /** This process's id on its lease rows. */
  readonly instanceId = randomUUID();
  private readonly live = new Map<string, Lease>();
  /** Ended leases whose unspent credits are still to be given back. */
  private retired: Lease[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushSoon = false;
  private stopping = false;

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      logger: Logger;
      /** Whether changes to tokens are being heard (the invalidation channel is up). */
      canLease: () => boolean;
    },
  ) {}

  /**
   * Spends one of this instance's leased credits of the token: the credits left (as of this
   * instance's last block, plus what it holds), or null when it holds none to spend (spend
   * exactly), or a promise while its block is on the way.
   */
  spend(tokenId: string): number | null | Promise<number | null> {
    const lease = this.live.get(tokenId);
    if (!lease) return null;
    if (lease.deadline !== Number.POSITIVE_INFINITY && performance.now() >= lease.deadline) {
      // The refill period is over: its credits are void; the next period's come from the count.
      this.retire(lease);
      return null;
    }
    if (lease.held > 0) {
      lease.held--;
      lease.unwritten++;
      lease.spentSinceTake++;
      if (lease.taking === null && lease.held * 2 <= lease.block) this.topUp(lease);
      return lease.count + lease.held;
    }
    if (lease.taking) return lease.taking.then(() => this.spend(tokenId));
    this.retire(lease);
    return null;
  }

  /** After an exact spend saw `remaining` credits: starts leasing when there are plenty. */
  observed(tokenId: string, remaining: number): void {
    if (remaining < LEASE_THRESHOLD || this.stopping || this.live.has(tokenId) || !this.deps.canLease())
      return;
    const lease: Lease = {
      id: randomUUID(),
      tokenId,
      held: 0,
      unwritten: 0,
      block: LEASE_BLOCK_MIN,
      period: undefined,
      deadline: Number.POSITIVE_INFINITY,
      count: remaining,
      takenAt: performance.now(),
      spentSinceTake: 0,
      idleSince: null,
      taking: null,
      retired: false,
    };
    this.live.set(tokenId, lease);
    this.take(lease, LEASE_BLOCK_MIN);
  }

  /** Ends the token's lease here (it changed, or every lease when `tokenId` is null). */
  drop(tokenId: string | null): void {
    if (tokenId === null) for (const lease of [...this.live.values()]) this.retire(lease);
    else {
      const lease = this.live.get(tokenId);
      if (lease) this.retire(lease);
    }
  }

  get holding(): boolean {
    return this.live.size > 0 || this.retired.length > 0;
  }

  /** Sizes the next block to the pace since the last one, and takes what fills the lease back up. */
  private topUp(lease: Lease): void {
    if (this.stopping || !this.deps.canLease()) {
      this.retire(lease);
      return;
    }
    const perMs = lease.spentSinceTake / Math.max(performance.now() - lease.takenAt, 1);
    lease.block = Math.min(LEASE_BLOCK_MAX, Math.max(LEASE_BLOCK_MIN, Math.ceil(perMs * LEASE_SPAN_MS)));
    const wanted = lease.block - lease.held;
    if (wanted > 0) this.take(lease, wanted);
  }

  private take(lease: Lease, wanted: number): void {
    lease.taking = this.deps.pool
      .query<{ granted: number; remaining: number; period: number | null; ms_left: number | null }>({
        name: 'keyward_take_credits',
        text: TAKE_SQL,
        values: [lease.tokenId, lease.id, wanted, LEASE_THRESHOLD, this.instanceId],
      })
      .then(
        ({ rows }) => {
          const row = rows[0];
          if (!row) {
            // Below the threshold (or the token is gone): exact mode from now on.
            this.retire(lease);
            return;
          }
          if (lease.period !== undefined && lease.period !== row.period) {
            // A new refill period began (this clock lagged the database's): the row was reset, and
            // what was held belonged to the old period.
            lease.held = 0;
            lease.unwritten = 0;
          }
          lease.held += row.granted;
          lease.count = row.remaining;
          lease.period = row.period;
          lease.deadline = row.ms_left === null ? Number.POSITIVE_INFINITY : performance.now() + row.ms_left;
          lease.takenAt = performance.now();
          lease.spentSinceTake = 0;
          if (row.remaining < LEASE_THRESHOLD) this.retire(lease);
        },
        (error: unknown) => {
          this.deps.logger.warn({ err: String(error) }, 'taking a block of credits failed; spending exactly');
          this.retire(lease);
        },
      )
      .finally(() => {
        lease.taking = null;
      });
  }

  private retire(lease: Lease): void {
    if (lease.retired) return;
    lease.retired = true;
    if (this.live.get(lease.tokenId) === lease) this.live.delete(lease.tokenId);
    this.retired.push(lease);
    // Given back promptly, so other instances (spending exactly) find the credits.
    if (!this.flushSoon && !this.stopping) {
      this.flushSoon = true;
      setTimeout(() => {
        this.flushSoon = false;
        void this.flush();
      }, 0).unref();
    }
  }

  /**
   * Writes what live leases spent and gives back what ended leases hold (one at a time per
   * instance). A lease unused for LEASE_IDLE_MS ends here.
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  /** Stops leasing: waits for blocks on their way, then gives back everything unspent. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.live.values(), ...this.retired].map((lease) => lease.taking));
    this.drop(null);
    await this.flush();
  }

  private async flushOnce(): Promise<void> {
    const now = performance.now();
    const writes: [Lease, number][] = [];
    for (const lease of this.live.values()) {
      if (lease.unwritten > 0) lease.idleSince = null;
      else lease.idleSince ??= now;
      writes.push([lease, lease.unwritten]);
    }
    for (const [lease] of writes)
      if (lease.idleSince !== null && now - lease.idleSince >= LEASE_IDLE_MS) this.retire(lease);
    const live = writes.filter(([lease]) => !lease.retired);
    // An ended lease with a block on the way waits for it: that block is given back too.
    const returning = this.retired.filter((lease) => lease.taking === null);
    try {
      if (live.length > 0) {
        await this.deps.pool.query(WRITE_SQL, [
          live.map(([lease]) => lease.tokenId),
          live.map(([lease]) => lease.id),
          live.map(([, spent]) => spent),
        ]);
        for (const [lease, spent] of live) lease.unwritten -= spent;
      }
      if (returning.length > 0) {
        await this.giveBack(returning);
        this.retired = this.retired.filter((lease) => !returning.includes(lease));
      }
    } catch (error) {
      this.deps.logger.warn({ err: String(error) }, 'credit lease write-behind failed; will retry');
    }
  }

  /**
   * One transaction: the counts are locked first, in the order a block and a tightening take
   * them (count, then lease rows), so none of them deadlock and a tightening is wholly before or
   * after the return.
   */
  private async giveBack(leases: Lease[]): Promise<void> {
    const ids = leases.map((lease) => lease.tokenId);
    const client = await this.deps.pool.connect();
    try {
      await client.query('begin');
      await client.query('select 1 from token_credit where token_id = any($1) order by token_id for update', [
        ids,
      ]);
      await client.query(RETURN_SQL, [
        ids,
        leases.map((lease) => lease.id),
        leases.map((lease) => lease.unwritten),
        leases.map((lease) => lease.held),
      ]);
      await client.query('commit');
      for (const lease of leases) {
        lease.held = 0;
        lease.unwritten = 0;
      }
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
