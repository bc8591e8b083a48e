import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TokenCache } from './tokens/token-cache.js';
import type { UsageRecorder } from './tokens/usage-recorder.js';

/** A bounded route label: parameters are folded so ids and slugs never become label values. */
export function routeLabel(path: string): string {
  if (path === '/graphql' || path === '/healthz' || path === '/readyz' || path === '/metrics') return path;
  if (!path.startsWith('/api/')) return 'web';
  const rules: [RegExp, string][] = [
    [/^\/api\/cli\/whoami\/?$/, '/api/cli/whoami'],
    [/^\/api\/cli\/blocks\/[^/]+\/?$/, '/api/cli/blocks/:slug'],
    [/^\/api\/cli\/[^/]+\/?$/, '/api/cli/:slug'],
    [/^\/api\/registry\/?$/, '/api/registry'],
    [/^\/api\/registry\/[^/]+\/source\/?$/, '/api/registry/:slug/source'],
    [/^\/api\/registry\/[^/]+\/?$/, '/api/registry/:slug'],
    [/^\/api\/tokens\/revoke-leaked\/?$/, '/api/tokens/revoke-leaked'],
    [/^\/api\/tokens\/?$/, '/api/tokens'],
    [/^\/api\/tokens\/[^/]+\/?$/, '/api/tokens/:id'],
    [/^\/api\/v1\/auth\/(login|refresh-token)\/?$/, '/api/v1/auth/$1'],
    [/^\/api\/v1\/api-tokens\/?$/, '/api/v1/api-tokens'],
    [/^\/api\/v1\/api-tokens\/[^/]+\/?$/, '/api/v1/api-tokens/:id'],
  ];
  for (const [pattern, label] of rules) if (pattern.test(path)) return path.replace(pattern, label);
  return '/api/other';
}

/** Prometheus metrics of one instance (prom-client), served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'keyward_http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'keyward_http_request_duration_seconds',
    help: 'HTTP request latency by route.',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
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
