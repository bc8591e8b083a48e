import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';

/**
 * What became of one use of a token: answered (`allowed`), refused for a permission, an owner's
 * state or a restriction (`denied`), or refused by a rate limit (`rateLimited`).
 */
export type UsageOutcome = 'allowed' | 'denied' | 'rateLimited';

/** One token's uses on one UTC day, by outcome. */
interface DayCounts {
  allowed: number;
  denied: number;
  rateLimited: number;
}

interface PendingUse {
  /** Epoch milliseconds (a Date is only built at flush time). */
  lastUsedAt: number;
  lastUsedIp: string | null;
  /** Uses per UTC day (YYYY-MM-DD). Counts may be negative: see reclassify(). */
  days: Map<string, DayCounts>;
}

/** Uses of one permission by one token since the last flush. */
interface PermissionUses {
  count: number;
  /** Epoch milliseconds of the latest. */
  at: number;
}

/** Uses of a rotated token's old secret since the last flush. */
interface OldSecretUses {
  count: number;
  at: number;
  ip: string | null;
}

/**
 * Write-behind for `lastUsedAt`/`lastUsedIp`, per-day usage counts by outcome, the permissions
 * each token exercised and the uses of rotated tokens' old secrets: the request path only touches
 * memory; a timer flushes everything in a few batched statements, and stop() flushes the rest.
 * Every use of a valid token counts once, whatever its outcome, and moves `lastUsedAt`.
 */
export class UsageRecorder {
  private pending = new Map<string, PendingUse>();
  /** Token id → permission → uses. */
  private permissions = new Map<string, Map<string, PermissionUses>>();
  private oldSecrets = new Map<string, OldSecretUses>();
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

  /**
   * A request of this token used `permission` (a route's declared permission passed, or a GraphQL
   * field's permission scope granted it): memory only, one map lookup per call after the first.
   */
  exercised(tokenId: string, permission: string, at = Date.now()): void {
    let byPermission = this.permissions.get(tokenId);
    if (!byPermission) {
      byPermission = new Map();
      this.permissions.set(tokenId, byPermission);
    }
    const uses = byPermission.get(permission);
    if (uses) {
      uses.count += 1;
      uses.at = at;
    } else byPermission.set(permission, { count: 1, at });
  }

  /** A rotated token's old secret was presented (during its grace, or refused after it). */
  oldSecretUsed(tokenId: string, ip: string | null, at = Date.now()): void {
    const uses = this.oldSecrets.get(tokenId);
    if (uses) {
      uses.count += 1;
      uses.at = at;
      uses.ip = ip;
    } else this.oldSecrets.set(tokenId, { count: 1, at, ip });
  }

  /** Called once per token-authenticated request: memory only, no allocation beyond the first use per token and day. */
  record(tokenId: string, ip: string | null, outcome: UsageOutcome = 'allowed', at = Date.now()): void {
    this.countsFor(tokenId, ip, at)[outcome] += 1;
  }

  /**
   * A use already recorded as allowed turned out to be denied (a GraphQL field the token may not
   * read): moves it, so the request still counts once. A flush in between is harmless: the stored
   * counts are sums of these deltas.
   */
  reclassify(tokenId: string, ip: string | null, at = Date.now()): void {
    const counts = this.countsFor(tokenId, ip, at);
    counts.allowed -= 1;
    counts.denied += 1;
  }

  private countsFor(tokenId: string, ip: string | null, at: number): DayCounts {
    if (at >= this.dayEnd || at < this.dayStart) {
      this.dayStart = at - (at % 86_400_000);
      this.dayEnd = this.dayStart + 86_400_000;
      this.day = new Date(this.dayStart).toISOString().slice(0, 10);
    }
    const day = this.day;
    let entry = this.pending.get(tokenId);
    if (entry) {
      entry.lastUsedAt = at;
      entry.lastUsedIp = ip;
    } else {
      entry = { lastUsedAt: at, lastUsedIp: ip, days: new Map() };
      this.pending.set(tokenId, entry);
    }
    let counts = entry.days.get(day);
    if (!counts) {
      counts = { allowed: 0, denied: 0, rateLimited: 0 };
      entry.days.set(day, counts);
    }
    return counts;
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
    await this.writeUses();
    await this.writePermissions();
    await this.writeOldSecrets();
  }

  private async writeUses(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const uses: { id: string; at: string; ip: string | null }[] = [];
    const counts: { token_id: string; day: string; allowed: number; denied: number; limited: number }[] = [];
    for (const [id, use] of batch) {
      uses.push({ id, at: new Date(use.lastUsedAt).toISOString(), ip: use.lastUsedIp });
      for (const [day, c] of use.days)
        counts.push({ token_id: id, day, allowed: c.allowed, denied: c.denied, limited: c.rateLimited });
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
          `insert into token_usage_day (token_id, day, count, denied, rate_limited)
           select u.token_id, u.day, u.allowed, u.denied, u.limited
           from jsonb_to_recordset(?::jsonb) as u(token_id uuid, day date, allowed int, denied int, limited int)
           join api_token t on t.id = u.token_id
           on conflict (token_id, day) do update set
             count = token_usage_day.count + excluded.count,
             denied = token_usage_day.denied + excluded.denied,
             rate_limited = token_usage_day.rate_limited + excluded.rate_limited`,
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
        for (const [day, c] of use.days) {
          const later = newer.days.get(day);
          if (!later) newer.days.set(day, c);
          else {
            later.allowed += c.allowed;
            later.denied += c.denied;
            later.rateLimited += c.rateLimited;
          }
        }
      }
    }
  }
  private async writePermissions(): Promise<void> {
    if (this.permissions.size === 0) return;
    const batch = this.permissions;
    this.permissions = new Map();
    const rows: { token_id: string; permission: string; count: number; at: string }[] = [];
    for (const [tokenId, byPermission] of batch)
      for (const [permission, uses] of byPermission)
        rows.push({ token_id: tokenId, permission, count: uses.count, at: new Date(uses.at).toISOString() });
    try {
      // Tokens deleted meanwhile are skipped by the join.
      await this.deps.em.fork().execute(
        `insert into token_permission_use (token_id, permission, count, last_used_at)
         select u.token_id, u.permission, u.count, u.at
         from jsonb_to_recordset(?::jsonb) as u(token_id uuid, permission text, count int, at timestamptz)
         join api_token t on t.id = u.token_id
         on conflict (token_id, permission) do update set
           count = token_permission_use.count + excluded.count,
           last_used_at = greatest(token_permission_use.last_used_at, excluded.last_used_at)`,
        [JSON.stringify(rows)],
      );
    } catch (error) {
      this.deps.logger.error({ err: error, tokens: batch.size }, 'permission-use flush failed; will retry');
      for (const [tokenId, byPermission] of batch) {
        const newer = this.permissions.get(tokenId);
        if (!newer) {
          this.permissions.set(tokenId, byPermission);
          continue;
        }
        for (const [permission, uses] of byPermission) {
          const later = newer.get(permission);
          if (later) later.count += uses.count;
          else newer.set(permission, uses);
        }
      }
    }
  }

  private async writeOldSecrets(): Promise<void> {
    if (this.oldSecrets.size === 0) return;
    const batch = this.oldSecrets;
    this.oldSecrets = new Map();
    const rows = [...batch].map(([id, uses]) => ({
      id,
      count: uses.count,
      at: new Date(uses.at).toISOString(),
      ip: uses.ip,
    }));
    try {
      await this.deps.em.fork().execute(
        `update api_token t set old_secret_uses = t.old_secret_uses + u.count,
           old_secret_last_used_at = greatest(t.old_secret_last_used_at, u.at),
           old_secret_last_used_ip = case when t.old_secret_last_used_at is null or t.old_secret_last_used_at < u.at
             then u.ip else t.old_secret_last_used_ip end
         from jsonb_to_recordset(?::jsonb) as u(id uuid, count int, at timestamptz, ip text)
         where t.id = u.id`,
        [JSON.stringify(rows)],
      );
    } catch (error) {
      this.deps.logger.error({ err: error, tokens: batch.size }, 'old-secret use flush failed; will retry');
      for (const [id, uses] of batch) {
        const newer = this.oldSecrets.get(id);
        if (newer) newer.count += uses.count;
        else this.oldSecrets.set(id, uses);
      }
    }
  }
}
