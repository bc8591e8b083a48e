import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { entities } from './entities.js';
import { migrationsList } from './migrations/index.js';

export type Orm = MikroORM;

export const migrationsPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export function ormOptions(databaseUrl: string, logger?: Logger): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    // Migrations are listed explicitly so they load the same way under tsx, Vitest and a bundle.
    migrations: {
      migrationsList,
      path: migrationsPath,
      emit: 'ts',
      snapshot: false,
      transactional: true,
      allOrNothing: true,
    },
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: 10 },
    debug: false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    logger: (message: string) => logger?.debug({ orm: message }, 'orm'),
  };
}

/** Connects and applies every pending migration. */
export async function initOrm(databaseUrl: string, logger?: Logger): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(databaseUrl, logger));
  await orm.getMigrator().up();
  return orm;
}
