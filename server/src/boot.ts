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
import { createServices, type Services, stopServices } from './services.js';
import { StartupError } from './startup-error.js';

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

/** Listens on `port`; a port in use (or not allowed) is a StartupError naming the fix. */
function listen(server: Server, port: number, host: string, variable = 'PORT'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new StartupError(
            `Port ${port} is already in use (another Keyward or another program): stop it, or start Keyward on another port with ${variable}=<port>.`,
          ),
        );
      else if (error.code === 'EACCES')
        reject(
          new StartupError(
            `Port ${port} needs privileges this user lacks: choose ${variable}=1024 or above.`,
          ),
        );
      else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
}

/**
 * Starts one Keyward instance: database (embedded unless DATABASE_URL), migrations, services, HTTP.
 * A failure part-way undoes what was started (the embedded database included) before it throws.
 */
export async function bootKeyward(
  config: Config,
  logger: Logger,
  overrides: { catalogue?: PermissionCatalogue; mailTransport?: MailTransport } = {},
): Promise<RunningKeyward> {
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, database: 'keyward', logger });
  const undo: (() => Promise<void> | void)[] = [];
  try {
    return await bootOn(config, logger, overrides, embedded, undo);
  } catch (error) {
    for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => {});
    await embedded?.stop().catch(() => {});
    throw error;
  }
}

async function bootOn(
  config: Config,
  logger: Logger,
  overrides: { catalogue?: PermissionCatalogue; mailTransport?: MailTransport },
  embedded: EmbeddedDatabase | null,
  undo: (() => Promise<void> | void)[],
): Promise<RunningKeyward> {
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const orm = await initOrm(databaseUrl, logger);
  undo.push(() => orm.close());
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : null;
  if (redis) undo.push(() => redis.disconnect());
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
  undo.push(() => services.pool.end());
  await services.registry.ensureSeeded();
  services.mail.start();
  undo.push(() => services.mail.stop());
  services.usage.start();
  undo.push(() => services.usage.stop());
  services.credits.start();
  undo.push(() => services.credits.stop());
  await services.invalidation.start();
  undo.push(() => services.invalidation.stop());
  const app = createApp(services);
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, app.handle);
  server.keepAliveTimeout = 5_000;
  await listen(server, config.port, config.host);
  undo.push(() => void server.close());
  const { port } = server.address() as AddressInfo;
  if (!config.publicUrl) services.appOrigin = `http://localhost:${port}`;
  // Scheduled jobs run inside every instance; the queue hands each run to one of them.
  await services.jobs.start();
  undo.push(() => services.jobs.stop());
  const metricsServer = config.metricsPort === null ? null : createServer(createMetricsApp(services).handle);
  if (metricsServer)
    await listen(metricsServer, config.metricsPort ?? 0, '127.0.0.1', 'KEYWARD_METRICS_PORT');
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
      // A running job finishes first; its mail is then delivered by the mail stop.
      await stopServices(services);
      await embedded?.stop();
    })();
    return stopping;
  };
  return { services, server, url: `http://localhost:${port}`, metricsUrl, embedded, stop };
}
