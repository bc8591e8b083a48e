import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createApp, createMetricsApp } from './app.js';
import type { Config } from './config.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded-postgres.js';
import { initOrm } from './db/orm.js';
import type { Logger } from './logger.js';
import { createMailTransport, type MailTransport } from './mail/mail.service.js';
import type { PermissionCatalogue } from './permissions/catalogue.js';
import { createServices, type Services } from './services.js';

export interface RunningKeyward {
  services: Services;
  server: Server;
  url: string;
  /** The separate /metrics listener on 127.0.0.1 (KEYWARD_METRICS_PORT), when configured. */
  metricsUrl: string | null;
  embedded: EmbeddedDatabase | null;
  /** Stops accepting requests, finishes pending work, closes the ORM and the embedded database. */
  stop(): Promise<void>;
}

/** Connects to Redis with no offline queue and short timeouts, so an outage fails fast instead of hanging requests. */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 2000,
    lazyConnect: true,
  });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis error'));
  await redis.connect();
  return redis;
}

/** Starts one Keyward instance: database (embedded unless DATABASE_URL), migrations, services, HTTP. */
export async function bootKeyward(
  config: Config,
  logger: Logger,
  overrides: { catalogue?: PermissionCatalogue; mailTransport?: MailTransport } = {},
): Promise<RunningKeyward> {
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, database: 'keyward', logger });
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const orm = await initOrm(databaseUrl, logger);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : null;
  const services = createServices({
    config,
    logger,
    orm,
    databaseUrl,
    redis,
    mailTransport:
      overrides.mailTransport ??
      (await createMailTransport({ smtpUrl: config.smtpUrl, production: config.isProduction }, logger)),
    ...(overrides.catalogue ? { catalogue: overrides.catalogue } : {}),
  });
  await services.registry.ensureSeeded();
  services.mail.start();
  services.usage.start();
  await services.invalidation.start();
  const app = createApp(services);
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, app.handle);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const metricsServer = config.metricsPort === null ? null : createServer(createMetricsApp(services).handle);
  if (metricsServer) {
    await new Promise<void>((resolve, reject) => {
      metricsServer.once('error', reject);
      metricsServer.listen(config.metricsPort ?? 0, '127.0.0.1', () => resolve());
    });
  }
  const metricsUrl = metricsServer
    ? `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`
    : null;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // In-flight requests get a grace period, then their connections are cut.
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      });
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      await services.usage.stop();
      await services.mail.stop();
      await services.invalidation.stop();
      await services.pool.end();
      await orm.close();
      redis?.disconnect();
      await embedded?.stop();
    })();
    return stopping;
  };
  return { services, server, url: `http://localhost:${port}`, metricsUrl, embedded, stop };
}
