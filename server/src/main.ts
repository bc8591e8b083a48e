import { bootKeyward, type RunningKeyward } from './boot.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { StartupError } from './startup-error.js';
import { ensureWebBuild } from './web-build.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(config.logLevel);
let keyward: RunningKeyward | null = null;
let stopReason: string | null = null;

/**
 * Stops in order (HTTP, pending usage and mail, ORM, then the embedded database) and exits. A signal
 * during start-up stops as soon as start-up is over; a second signal is ignored while stopping.
 */
function shutdown(reason: string): void {
  if (stopReason) return;
  stopReason = reason;
  if (!keyward) return;
  logger.info({ reason }, 'shutting down');
  keyward
    .stop()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
}

// Every catchable signal that ends a terminal session or a service stops Keyward the orderly way.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));

// Under `npm start`, npm forwards its signals to the shell between it and Keyward, which dies
// without passing them on: a changed parent means nobody can stop this process any more.
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('parent process gone');
  }, 250).unref();
}

try {
  if (config.env.KEYWARD_SKIP_WEB_BUILD !== '1') await ensureWebBuild(logger);
  keyward = await bootKeyward(config, logger);
} catch (error) {
  if (error instanceof StartupError) {
    console.error(`Keyward cannot start: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
if (stopReason) {
  const reason = stopReason;
  stopReason = null;
  shutdown(reason);
} else {
  const database = keyward.embedded
    ? `embedded PostgreSQL (data in ${config.dataDir}/postgres)`
    : 'PostgreSQL from DATABASE_URL';
  logger.info({ url: keyward.url, database }, 'Keyward is listening');
  console.log(`
  Keyward is running at ${keyward.url}
    Admin:    ${keyward.url}/
    GraphQL:  ${keyward.url}/graphql${config.isProduction ? '' : ' (GraphiQL in the browser)'}
    Database: ${database}

  Create the first admin account:
    npm run admin -- create-user --email you@example.com --password '<a long password>' --verified --plan team --admin
`);
}
