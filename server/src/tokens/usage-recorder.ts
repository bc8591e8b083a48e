import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';

interface PendingUse {
  /** Epoch milliseconds (a Date is only built at flush time). */
  lastUsedAt: number;
  lastUsedIp: string | null;
  /** Requests per UTC day (YYYY-MM-DD). */
  days: Map<string, number>;
}

/**
 * Write-behind for `lastUsedAt`/`lastUsedIp` and per-day usage counts: the request path only
 * touches memory; a timer flushes everything in two batched statements, and stop() flushes the rest.
 */
export class UsageRecorder {
  private pending = new Map<string, PendingUse>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** The current UTC day (YYYY-MM-DD) and its bounds, so record() formats a date once a day, not per call. */
  private day = '';
  private dayStart = 0;
  private dayEnd = 0;

  constructor(private readonly deps: { em: EntityManager; logger: Logger; intervalMs: number }) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** How many tokens have unflushed usage (for metrics). */
  get depth(): number {
    return this.pending.size;
  }

  /** Called on every token-authenticated request: memory only, no allocation beyond the first use per token and day. */
  record(tokenId: string, ip: string | null, at = Date.now()): void {
    if (at >= this.dayEnd || at < this.dayStart) {
      this.dayStart = at - (at % 86_400_000);
      this.dayEnd = this.dayStart + 86_400_000;
      this.day = new Date(this.dayStart).toISOString().slice(0, 10);
    }
    const day = this.day;
    const entry = this.pending.get(tokenId);
    if (entry) {
      entry.lastUsedAt = at;
      entry.lastUsedIp = ip;
      entry.days.set(day, (entry.days.get(day) ?? 0) + 1);
    } else {
      this.pending.set(tokenId, { lastUsedAt: at, lastUsedIp: ip, days: new Map([[day, 1]]) });
    }
  }

  /** Writes everything buffered so far; flushes run one after another, never concurrently. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch());
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async writeBatch(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const uses: { id: string; at: string; ip: string | null }[] = [];
    const counts: { token_id: string; day: string; count: number }[] = [];
    for (const [id, use] of batch) {
      uses.push({ id, at: new Date(use.lastUsedAt).toISOString(), ip: use.lastUsedIp });
      for (const [day, count] of use.days) counts.push({ token_id: id, day, count });
    }
    try {
      const em = this.deps.em.fork();
      await em.transactional(async (tx) => {
        await tx.execute(
          `update api_token t set last_used_at = u.at, last_used_ip = u.ip
           from jsonb_to_recordset(?::jsonb) as u(id uuid, at timestamptz, ip text)
           where t.id = u.id and (t.last_used_at is null or t.last_used_at < u.at)`,
          [JSON.stringify(uses)],
        );
        // Tokens deleted meanwhile are skipped by the join instead of failing the batch.
        await tx.execute(
          `insert into token_usage_day (token_id, day, count)
           select u.token_id, u.day, u.count
           from jsonb_to_recordset(?::jsonb) as u(token_id uuid, day date, count int)
           join api_token t on t.id = u.token_id
           on conflict (token_id, day) do update set count = token_usage_day.count + excluded.count`,
          [JSON.stringify(counts)],
        );
      });
    } catch (error) {
      this.deps.logger.error({ err: error, tokens: batch.size }, 'usage flush failed; will retry');
      // Put the batch back (merged with newer uses) so a transient failure loses nothing.
      for (const [id, use] of batch) {
        const newer = this.pending.get(id);
        if (!newer) {
          this.pending.set(id, use);
          continue;
        }
        for (const [day, count] of use.days) newer.days.set(day, (newer.days.get(day) ?? 0) + count);
      }
    }
  }
}
