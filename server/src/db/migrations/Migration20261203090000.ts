import { Migration } from '@mikro-orm/migrations';

/**
 * Organizations and their members. A membership that changes role or ends notifies
 * `keyward_invalidation` with its account, like a change of the account itself: whatever an
 * instance caches about the account's tokens (their reach into organizations) is dropped on
 * every instance, whoever made the change (docs/architecture.md, "Which file owns which rule").
 */
export class Migration20261203090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "organization" ("id" uuid not null, "slug" text not null, "name" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "organization_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "organization" add constraint "organization_slug_unique" unique ("slug");`);
    this.addSql(
      `create table "organization_member" ("organization_id" uuid not null, "account_id" uuid not null, "role" text check ("role" in ('OWNER', 'ADMIN', 'MEMBER')) not null, "created_at" timestamptz not null default now(), constraint "organization_member_pkey" primary key ("organization_id", "account_id"));`,
    );
    this.addSql(
      `create index "organization_member_account_id_index" on "organization_member" ("account_id");`,
    );
    this.addSql(
      `alter table "organization_member" add constraint "organization_member_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "organization_member" add constraint "organization_member_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(`create function keyward_notify_member_change() returns trigger language plpgsql as $$
      begin
        perform pg_notify('keyward_invalidation', 'account:' || old.account_id::text);
        return null;
      end;
    $$;`);
    this.addSql(`create trigger organization_member_invalidate
      after update of role, account_id, organization_id or delete on "organization_member"
      for each row execute function keyward_notify_member_change();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger organization_member_invalidate on "organization_member";');
    this.addSql('drop function keyward_notify_member_change();');
    this.addSql(`drop table if exists "organization_member" cascade;`);
    this.addSql(`drop table if exists "organization" cascade;`);
  }
}
