import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const METRICS_TOKEN = 'metrics-test-token-0123456789';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ KEYWARD_METRICS_PORT: '0' });
});
afterAll(() => server.close());

/** Scrapes the separate metrics listener (127.0.0.1, KEYWARD_METRICS_PORT). */
async function scrape(): Promise<{ contentType: string | null; lines: string[] }> {
  expect(server.keyward.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const response = await fetch(`${server.keyward.metricsUrl}/metrics`);
  expect(response.status).toBe(200);
  return { contentType: response.headers.get('content-type'), lines: (await response.text()).split('\n') };
}

it('/metrics: request counts by route, method and status, and a cumulative latency histogram by route', async () => {
  for (let i = 0; i < 3; i++) await (await fetch(`${server.url}/healthz`)).arrayBuffer();
  for (let i = 0; i < 2; i++) {
    await (
      await fetch(`${server.url}/api/cli/whoami`, { headers: { authorization: 'Bearer nope' } })
    ).arrayBuffer();
  }
  // Ids never become label values.
  await (await fetch(`${server.url}/api/tokens/00000000-0000-0000-0000-000000000000`)).arrayBuffer();

  const { contentType, lines } = await scrape();
  expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(lines).toContain('# TYPE keyward_http_requests_total counter');
  expect(lines).toContain('keyward_http_requests_total{route="/healthz",method="GET",status="200"} 3');
  expect(lines).toContain('keyward_http_requests_total{route="/api/cli/whoami",method="GET",status="401"} 2');
  expect(lines.some((line) => line.startsWith('keyward_http_requests_total{route="/api/tokens/:id"'))).toBe(
    true,
  );
  expect(lines.join('\n')).not.toContain('00000000-0000');

  expect(lines).toContain('# TYPE keyward_http_request_duration_seconds histogram');
  const buckets = lines
    .filter(
      (line) =>
        line.startsWith('keyward_http_request_duration_seconds_bucket{') && line.includes('route="/healthz"'),
    )
    .map((line) => {
      const match =
        /^keyward_http_request_duration_seconds_bucket\{le="([^"]+)",route="\/healthz"\} (\d+)$/.exec(line);
      expect(match, line).not.toBeNull();
      return { le: match![1]!, count: Number(match![2]) };
    });
  expect(buckets.map((bucket) => bucket.le)).toEqual([
    '0.001',
    '0.0025',
    '0.005',
    '0.01',
    '0.025',
    '0.05',
    '0.1',
    '0.25',
    '0.5',
    '1',
    '2.5',
    '+Inf',
  ]);
  // Cumulative, ending at the count.
  for (let i = 1; i < buckets.length; i++)
    expect(buckets[i]!.count).toBeGreaterThanOrEqual(buckets[i - 1]!.count);
  expect(buckets.at(-1)!.count).toBe(3);
  expect(lines).toContain('keyward_http_request_duration_seconds_count{route="/healthz"} 3');
  const sum = lines.find((line) =>
    line.startsWith('keyward_http_request_duration_seconds_sum{route="/healthz"} '),
  );
  expect(Number(sum?.split(' ')[1])).toBeGreaterThan(0);

  // Token verification outcomes and cache gauges are there too.
  expect(lines).toContain('keyward_token_auth_outcomes_total{code="invalid_token",cached="false"} 2');
  expect(lines.some((line) => line.startsWith('keyward_token_cache_enabled 1'))).toBe(true);
});

it('/metrics is not on the public listener by default: a JSON 404', async () => {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(404);
  expect((await response.json()).error).toBe('not_found');
});

describe('/metrics on the public listener with KEYWARD_METRICS_TOKEN', () => {
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startTestServer({ KEYWARD_METRICS_TOKEN: METRICS_TOKEN });
  });
  afterAll(() => guarded.close());

  it('refuses a scrape without the token, or with another one, with 401', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { authorization: 'Bearer nope' },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${guarded.url}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('keyward_http_requests_total');
    }
  });

  it('serves Prometheus text with the bearer token', async () => {
    const response = await fetch(`${guarded.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('keyward_http_requests_total');
  });
});
