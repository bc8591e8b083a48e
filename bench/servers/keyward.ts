/**
 * Keyward as deployed: production mode, warn-level logs, the real boot path (migrations, cache,
 * LISTEN/NOTIFY invalidation, write-behind, memory rate limits). Configured by the environment.
 *
 * It also counts the database statements it sends, for the parent to report per request:
 * `hotPath` = queries on the verification pool (the prepared lookup of a token hash), `orm` =
 * every statement MikroORM sends (write-behind usage flushes, the mail outbox poll; BEGIN and
 * COMMIT included). PostgreSQL's own statistics lag by up to 10 s, too late to attribute per case.
 */
import { bootKeyward } from '../../server/src/boot.js';
import { loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/logger.js';
import { announce } from './ipc.js';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const keyward = await bootKeyward(config, logger);

const counters = { hotPath: 0, orm: 0 };
const { pool, orm } = keyward.services;
const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
(pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
  counters.hotPath++;
  return query(...args);
};
orm.em
  .getConnection()
  .getKnex()
  .on('query', () => {
    counters.orm++;
  });

announce(Number(new URL(keyward.url).port), () => ({ ...counters }));

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // A clean stop flushes write-behind usage; exiting then writes the CPU profile when --cpu-prof is on.
  keyward.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'bench server stop failed');
      process.exit(1);
    },
  );
};
process.removeAllListeners('SIGTERM');
process.on('SIGTERM', stop);
process.on('disconnect', stop);
