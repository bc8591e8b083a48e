import type { Logger } from '../logger.js';
import type { TokenCache } from '../tokens/token-cache.js';
import type { InvalidationBus } from './invalidation-bus.js';

/**
 * Keeps every instance's token cache honest: the changing instance evicts before the mutation
 * returns, the others on the bus message. While the bus is down the cache is bypassed; when it
 * comes back the cache is cleared, since messages may have been missed meanwhile.
 */
export class TokenInvalidation {
  constructor(
    private readonly deps: {
      cache: TokenCache;
      bus: InvalidationBus;
      logger: Logger;
      /**
       * Told whenever a token's cached state is dropped (null: every token's), for what else an
       * instance keeps per token (its leased credits, tokens/token-credits.ts).
       */
      onTokenDropped?: (tokenId: string | null) => void;
    },
  ) {}

  start(): Promise<void> {
    return this.deps.bus.start(
      (message) => this.apply(message),
      (connected) => {
        this.deps.cache.clear();
        this.deps.cache.enabled = connected;
        this.deps.onTokenDropped?.(null);
      },
    );
  }

  stop(): Promise<void> {
    this.deps.cache.enabled = false;
    return this.deps.bus.stop();
  }

  async tokenChanged(tokenId: string): Promise<void> {
    this.deps.cache.evictToken(tokenId);
    this.deps.onTokenDropped?.(tokenId);
    await this.publish(`token:${tokenId}`);
  }

  async accountChanged(accountId: string): Promise<void> {
    this.deps.cache.evictAccount(accountId);
    await this.publish(`account:${accountId}`);
  }

  private apply(message: string): void {
    const separator = message.indexOf(':');
    const kind = message.slice(0, separator);
    const id = message.slice(separator + 1);
    if (kind === 'token') {
      this.deps.cache.evictToken(id);
      this.deps.onTokenDropped?.(id);
    } else if (kind === 'account') this.deps.cache.evictAccount(id);
  }

  private async publish(message: string): Promise<void> {
    try {
      await this.deps.bus.publish(message);
    } catch (error) {
      // Other instances would keep a stale entry: drop every cache rather than risk it.
      this.deps.logger.error({ err: (error as Error).message }, 'could not publish a cache invalidation');
      this.deps.cache.clear();
      this.deps.onTokenDropped?.(null);
    }
  }
}
