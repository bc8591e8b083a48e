import { Migration } from '@mikro-orm/migrations';

/**
 * Hand-written: what the entity metadata cannot express. Audit rows are append-only at the
 * database level. (Check constraints are left out: MikroORM 6 would keep diffing them.)
 */
export class Migration20261123133600 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function audit_event_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_event rows are append-only' using errcode = 'insufficient_privilege';
      end;
    $$;`);
    this.addSql(`create trigger audit_event_no_update before update or delete or truncate on "audit_event"
      for each statement execute function audit_event_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger audit_event_no_update on "audit_event";');
    this.addSql('drop function audit_event_append_only();');
  }
}
