/**
 * `npm run admin -- run-job <name>`: runs one scheduled job now, through the same queue the
 * servers use (whichever process picks it up runs it, this one included, so it works with no
 * server running), waits for it, delivers the mail it queued, and prints what it did.
 */
import { connectRedis } from '../boot.js';
import { ConfigError, loadConfig } from '../config.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { initOrm } from '../db/orm.js';
import { JOB_NAMES } from '../jobs/scheduled-jobs.js';
import { createLogger } from '../logger.js';
import { createMailTransport } from '../mail/mail.service.js';
import { createServices, stopServices } from '../services.js';

/** Runs the job named in `args`; returns the exit code (2: usage, 1: configuration or job failure). */
export async function runJob(args: readonly string[], usage: string): Promise<number> {
  const [name, ...extra] = args;
  const known: readonly string[] = JOB_NAMES;
  if (!name || extra.length > 0) {
    console.error(`run-job takes one job name: ${JOB_NAMES.join(', ')}.\n${usage}`);
    return 2;
  }
  if (!known.includes(name)) {
    console.error(`Unknown job "${name}": the jobs are ${JOB_NAMES.join(', ')}.`);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    return 1;
  }
  // The JSON log stays quiet unless asked for: the command prints its own summary.
  const logger = createLogger(config.env.LOG_LEVEL ?? 'warn');
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, database: 'keyward' });
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const orm = await initOrm(databaseUrl, logger);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : null;
  const services = createServices({
    config,
    logger,
    orm,
    databaseUrl,
    redis,
    mailTransport: await createMailTransport(
      { smtpUrl: config.smtpUrl, production: config.isProduction },
      logger,
    ),
    scheduleJobs: false,
  });
  try {
    await services.invalidation.start();
    await services.jobs.start();
    const output = await services.jobs.runNow(name);
    const summary = Object.entries(output)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key} ${value}`)
      .join(', ');
    console.log(`Ran ${name}: ${summary || 'done'}.`);
    return 0;
  } catch (error) {
    console.error(`Job ${name} failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await stopServices(services);
    await embedded?.stop();
  }
}
