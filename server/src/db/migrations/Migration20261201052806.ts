import { Migration } from '@mikro-orm/migrations';

/**
 * Audit events get an ids-only `detail` (e.g. the root of a revocation cascade). `if not exists`:
 * another change may add the same column.
 */
export class Migration20261201052806 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_event" add column if not exists "detail" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_event" drop column if exists "detail";`);
  }
}
