import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from '../logger.js';

export const INVALIDATION_CHANNEL = 'keyward_invalidation';

/** A message is `token:<id>` or `account:<id>`: ids, never secrets. */
export type InvalidationHandler = (message: string) => void;

export interface InvalidationBus {
  /**
   * Starts listening. `onMessage` gets every invalidation from any instance; `onState(false)`
   * when the channel drops (the cache must then be bypassed), `onState(true)` once it is back
   * (the cache must then be cleared, since messages may have been missed).
   */
  start(onMessage: InvalidationHandler, onState: (connected: boolean) => void): Promise<void>;
  /**
   * Tells the other instances, after the change has committed. With PostgreSQL the triggers have
   * already notified; publish() then only waits until the notification is on its way everywhere.
   */
  publish(message: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * LISTEN/NOTIFY on a dedicated session connection (works with the embedded database; not through
 * PgBouncer in transaction mode). Database triggers notify on every relevant change, including
 * changes made by hand in SQL, so publish() sends nothing of its own: it notifies a `sync:<nonce>`
 * marker and waits (at most syncTimeoutMs) for its own listener to receive it. PostgreSQL delivers
 * notifications in commit order, so by then the trigger's notification has reached every
 * listening session, and a request sent to another instance after the change answers is judged
 * on fresh data.
 */
export class PostgresInvalidationBus implements InvalidationBus {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly syncWaiters = new Map<string, () => void>();

  constructor(
    private readonly deps: { databaseUrl: string; logger: Logger; retryMs?: number; syncTimeoutMs?: number },
  ) {}

  async start(onMessage: InvalidationHandler, onState: (connected: boolean) => void): Promise<void> {
    const connect = async (): Promise<void> => {
      const client = new pg.Client({ connectionString: this.deps.databaseUrl });
      client.on('notification', (notification) => {
        const { channel, payload } = notification;
        if (channel !== INVALIDATION_CHANNEL || !payload) return;
        const waiter = this.syncWaiters.get(payload);
        if (waiter) waiter();
        else onMessage(payload);
      });
      const lost = (error?: Error) => {
        if (this.client !== client) return;
        this.client = null;
        onState(false);
        if (error)
          this.deps.logger.warn({ err: error.message }, 'invalidation listener lost; cache bypassed');
        client.end().catch(() => {});
        this.scheduleRetry(connect);
      };
      client.on('error', lost);
      client.on('end', () => lost());
      try {
        await client.connect();
        await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
      } catch (error) {
        client.end().catch(() => {});
        this.deps.logger.warn({ err: (error as Error).message }, 'invalidation listener could not connect');
        this.scheduleRetry(connect);
        return;
      }
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
      onState(true);
    };
    await connect();
  }

  private scheduleRetry(connect: () => Promise<void>): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void connect();
    }, this.deps.retryMs ?? 1000);
    this.retryTimer.unref();
  }

  async publish(): Promise<void> {
    const client = this.client;
    // Without a listener the cache is bypassed anyway: nothing to wait for.
    if (!client) return;
    const marker = `sync:${randomUUID()}`;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<void>((resolve) => {
      this.syncWaiters.set(marker, resolve);
      timer = setTimeout(resolve, this.deps.syncTimeoutMs ?? 250);
    });
    try {
      await client.query('select pg_notify($1, $2)', [INVALIDATION_CHANNEL, marker]);
      await seen;
    } finally {
      clearTimeout(timer);
      this.syncWaiters.delete(marker);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}

/** Redis pub/sub (for deployments behind PgBouncer, where LISTEN is unavailable). */
export class RedisInvalidationBus implements InvalidationBus {
  private subscriber: Redis | null = null;
  private readonly channel: string;

  constructor(private readonly deps: { redis: Redis; logger: Logger; channel?: string }) {
    this.channel = deps.channel ?? INVALIDATION_CHANNEL;
  }

  async start(onMessage: InvalidationHandler, onState: (connected: boolean) => void): Promise<void> {
    // A subscriber connection may queue commands while reconnecting; it re-subscribes by itself.
    const subscriber = this.deps.redis.duplicate({ enableOfflineQueue: true, lazyConnect: true });
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) onMessage(message);
    });
    subscriber.on('error', (error: Error) =>
      this.deps.logger.warn({ err: error.message }, 'redis subscriber error'),
    );
    subscriber.on('close', () => onState(false));
    subscriber.on('ready', () => onState(true));
    try {
      await subscriber.connect();
      await subscriber.subscribe(this.channel);
    } catch (error) {
      this.deps.logger.warn(
        { err: (error as Error).message },
        'redis subscriber could not connect; cache bypassed',
      );
      onState(false);
    }
  }

  async publish(message: string): Promise<void> {
    await this.deps.redis.publish(this.channel, message);
  }

  async stop(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }
}
