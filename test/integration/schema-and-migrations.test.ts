import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { initOrm, migrationsPath, type Orm } from '../../server/src/db/orm.js';
import { printSortedSchema } from '../../server/src/graphql/schema.js';
import { withDatabase } from '../helpers/global-setup.js';

describe('schema.graphql', () => {
  it('the committed schema.graphql equals the schema printed from the Pothos builder', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed, 'schema.graphql is out of date: run `npm run schema:print` and commit the result').toBe(
      printSortedSchema(),
    );
  });
});

describe('migrations on a fresh database', () => {
  const adminUrl = inject('adminUrl');
  const database = `keyward_m_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  let db: pg.Client;
  let orm: Orm;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    orm = await initOrm(withDatabase(adminUrl, database));
    db = new pg.Client({ connectionString: withDatabase(adminUrl, database) });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await orm?.close(true);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('migrations: leave no difference between the entities and the migrated database', async () => {
    const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    expect(
      diff.trim(),
      'the entities and the migrations disagree: run `npm run migration:create` (or fix the entity)',
    ).toBe('');
  });

  it('migrations: every Migration*.ts file is listed, executed, and none is pending', async () => {
    const files = readdirSync(migrationsPath)
      .filter((file) => /^Migration.*\.ts$/.test(file))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(files.length).toBeGreaterThan(0);
    const migrator = orm.getMigrator();
    expect(await migrator.getPendingMigrations()).toEqual([]);
    const executed = (await migrator.getExecutedMigrations()).map((migration) =>
      migration.name.replace(/\.[cm]?[jt]s$/, ''),
    );
    expect(executed.sort()).toEqual(files);
  });

  it('audit_event: rows are append-only — UPDATE, DELETE and TRUNCATE fail', async () => {
    const inserted = await db.query(
      `insert into audit_event (id, action, actor_type, actor_id, target_id, ip)
       values (gen_random_uuid(), 'token.revoke', 'system', null, gen_random_uuid(), '127.0.0.1') returning id`,
    );
    const id: string = inserted.rows[0].id;
    await expect(
      db.query("update audit_event set action = 'token.create' where id = $1", [id]),
    ).rejects.toThrow(/append-only/);
    await expect(db.query('delete from audit_event where id = $1', [id])).rejects.toThrow(/append-only/);
    await expect(db.query('truncate audit_event')).rejects.toThrow(/append-only/);
    const rows = await db.query('select action from audit_event where id = $1', [id]);
    expect(rows.rows).toEqual([{ action: 'token.revoke' }]);
  });
});
