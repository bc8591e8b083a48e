import { Migration } from '@mikro-orm/migrations';

/**
 * Hand-written: what the entity metadata cannot express. Audit rows are append-only at the
 * database level, and plan/role/preset values are checked by the database too.
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
    this.addSql(
      `alter table "account" add constraint "account_plan_check" check ("plan" in ('free', 'pro', 'team'));`,
    );
    this.addSql(
      `alter table "account" add constraint "account_role_check" check ("role" in ('member', 'admin'));`,
    );
    this.addSql(
      `alter table "api_token" add constraint "api_token_preset_check" check ("preset" in ('ALL', 'READ_ONLY', 'CLI', 'CUSTOM'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('alter table "api_token" drop constraint "api_token_preset_check";');
    this.addSql('alter table "account" drop constraint "account_role_check";');
    this.addSql('alter table "account" drop constraint "account_plan_check";');
    this.addSql('drop trigger audit_event_no_update on "audit_event";');
    this.addSql('drop function audit_event_append_only();');
  }
}
