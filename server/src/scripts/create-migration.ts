/**
 * Generates a migration from the difference between the entities and a database migrated
 * to the current list (a scratch database, dropped afterwards). Usage: npm run migration:create [-- --blank]
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { loadConfig } from '../config.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { ormOptions } from '../db/orm.js';

const config = loadConfig();
const blank = process.argv.includes('--blank');
const scratch = `keyward_migration_${randomBytes(4).toString('hex')}`;
const embedded = config.databaseUrl
  ? null
  : await startEmbeddedPostgres({ dataDir: config.dataDir, database: 'keyward' });
const adminUrl = embedded?.adminUrl ?? config.databaseUrl!;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${scratch}`);
const scratchUrl = new URL(adminUrl);
scratchUrl.pathname = `/${scratch}`;
try {
  const orm = await MikroORM.init(ormOptions(scratchUrl.toString()));
  await orm.getMigrator().up();
  const result = await orm.getMigrator().createMigration(undefined, blank);
  await orm.close();
  if (!result.fileName) console.log('No changes: entities and migrations agree.');
  else
    console.log(
      `Wrote ${path.join('server/src/db/migrations', result.fileName)}: add it to migrations/index.ts.`,
    );
} finally {
  await admin.query(`DROP DATABASE ${scratch} WITH (FORCE)`);
  await admin.end();
  await embedded?.stop();
}
