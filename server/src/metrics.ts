import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { TokenCache } from './tokens/token-cache.js';
import type { UsageRecorder } from './tokens/usage-recorder.js';

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  metricName?: string;
}

/** What a prom-client Registry needs of a metric to render and reset it. */
interface RenderedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }>;
  reset(): void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * keyward_http_requests_total and keyward_http_request_duration_seconds, recorded on every
 * request. prom-client's Counter and Histogram hash their label objects on each call, a few µs per
 * request on the hot path; here a request costs one Map lookup per metric, and the same
 * exposition lines (names, labels, cumulative buckets, _sum and _count) are built at scrape time.
 */
export class HttpMetrics {
  private readonly counts = new Map<string, { labels: Record<string, string>; value: number }>();
  private readonly latencies = new Map<string, { buckets: number[]; sum: number; count: number }>();

  constructor(registry: Registry) {
    const register = (metric: RenderedMetric) =>
      registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
    const counts = this.counts;
    const latencies = this.latencies;
    const requests: RenderedMetric = {
      name: 'keyward_http_requests_total',
      help: 'HTTP requests by route, method and status.',
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        ...requests,
        values: [...counts.values()].map(({ labels, value }) => ({ labels: { ...labels }, value })),
      }),
      reset: () => counts.clear(),
    };
    const latency: RenderedMetric = {
      name: 'keyward_http_request_duration_seconds',
      help: 'HTTP request latency by route.',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => {
        const values: MetricValue[] = [];
        const name = latency.name;
        for (const [route, { buckets, sum, count }] of latencies) {
          const sharedLabels = { route };
          let cumulative = 0;
          LATENCY_BUCKETS.forEach((le, i) => {
            cumulative += buckets[i] ?? 0;
            values.push({ labels: { le }, sharedLabels, value: cumulative, metricName: `${name}_bucket` });
          });
          values.push({ labels: { le: '+Inf' }, sharedLabels, value: count, metricName: `${name}_bucket` });
          values.push({ labels: {}, sharedLabels, value: sum, metricName: `${name}_sum` });
          values.push({ labels: {}, sharedLabels, value: count, metricName: `${name}_count` });
        }
        return { ...latency, values };
      },
      reset: () => latencies.clear(),
    };
    register(requests);
    register(latency);
  }

  /** One finished request: `route` is the matched route's pattern (a bounded label), never a raw path. */
  record(route: string, method: string, status: number, seconds: number): void {
    const key = `${route} ${method} ${status}`;
    const counted = this.counts.get(key);
    if (counted) counted.value++;
    else this.counts.set(key, { labels: { route, method, status: String(status) }, value: 1 });
    let latency = this.latencies.get(route);
    if (!latency) {
      latency = { buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latencies.set(route, latency);
    }
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
    if (bucket < LATENCY_BUCKETS.length) latency.buckets[bucket]!++;
    latency.sum += seconds;
    latency.count++;
  }
}

/** Prometheus metrics of one instance (prom-client), served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  /** Requests by route, method and status, and latency by route (see HttpMetrics). */
  readonly http = new HttpMetrics(this.registry);
  readonly authOutcomes = new Counter({
    name: 'keyward_token_auth_outcomes_total',
    help: 'API-token verifications by outcome code and whether the cache answered.',
    labelNames: ['code', 'cached'] as const,
    registers: [this.registry],
  });
  readonly rateLimitRejections = new Counter({
    name: 'keyward_rate_limit_rejections_total',
    help: 'Requests refused by a rate-limit policy.',
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });

  /** Label children of authOutcomes, resolved once per (code, cached) instead of per request. */
  readonly #outcomes = new Map<string, { inc(): void }>();

  /** Counts one token verification by outcome code and whether the cache answered. */
  countAuthOutcome(code: string, cached: boolean): void {
    const key = cached ? `${code}:1` : code;
    let child = this.#outcomes.get(key);
    if (!child) {
      child = this.authOutcomes.labels({ code, cached: String(cached) });
      this.#outcomes.set(key, child);
    }
    child.inc();
  }

  constructor(sources: { cache: TokenCache; usage: UsageRecorder; pool: pg.Pool }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'keyward_' });
    const { cache, usage, pool } = sources;
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('keyward_token_cache_hits', 'Token cache hits since start.', () => cache.stats.hits);
    gauge('keyward_token_cache_misses', 'Token cache misses since start.', () => cache.stats.misses);
    gauge('keyward_token_cache_evictions', 'Token cache evictions since start.', () => cache.stats.evictions);
    gauge('keyward_token_cache_entries', 'Tokens in the cache now.', () => cache.size);
    gauge('keyward_token_cache_enabled', '1 while the invalidation channel is up.', () =>
      cache.enabled ? 1 : 0,
    );
    gauge('keyward_usage_queue_depth', 'Tokens with buffered, unflushed usage.', () => usage.depth);
    gauge('keyward_db_pool_total', 'Hot-path PostgreSQL connections open.', () => pool.totalCount);
    gauge('keyward_db_pool_idle', 'Hot-path PostgreSQL connections idle.', () => pool.idleCount);
    gauge('keyward_db_pool_waiting', 'Requests waiting for a hot-path connection.', () => pool.waitingCount);
  }
}
