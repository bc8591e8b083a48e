import type { InvalidationBus, InvalidationHandler } from './invalidation-bus.js';

/**
 * Several buses acting as one: every message from any of them is applied, publish() goes through
 * all of them, and the cache is trusted only while every one is connected. With Redis this keeps
 * the database's change notifications (triggers fire on changes made by hand in SQL too) next to
 * Redis pub/sub, so neither path alone decides what an instance may keep cached.
 */
export class CombinedInvalidationBus implements InvalidationBus {
  constructor(private readonly buses: readonly InvalidationBus[]) {}

  async start(onMessage: InvalidationHandler, onState: (connected: boolean) => void): Promise<void> {
    const connected = this.buses.map(() => false);
    let reported: boolean | null = null;
    const report = () => {
      const all = connected.every(Boolean);
      // Any change of one bus re-reports a drop, so the cache is cleared whenever one reconnects.
      if (all && reported === true) return;
      reported = all;
      onState(all);
    };
    await Promise.all(
      this.buses.map((bus, index) =>
        bus.start(onMessage, (state) => {
          connected[index] = state;
          report();
        }),
      ),
    );
  }

  async publish(message: string): Promise<void> {
    const results = await Promise.allSettled(this.buses.map((bus) => bus.publish(message)));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async stop(): Promise<void> {
    await Promise.all(this.buses.map((bus) => bus.stop()));
  }
}
