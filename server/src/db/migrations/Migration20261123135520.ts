import { Migration } from '@mikro-orm/migrations';

export class Migration20261123135520 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "refresh_token" ("token_hash" text not null, "family_id" uuid not null, "account_id" uuid not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, constraint "refresh_token_pkey" primary key ("token_hash"));`,
    );
    this.addSql(`create index "refresh_token_account_id_index" on "refresh_token" ("account_id");`);
    this.addSql(`create index "refresh_token_family_id_index" on "refresh_token" ("family_id");`);

    this.addSql(
      `create table "server_secret" ("name" text not null, "value" text not null, "created_at" timestamptz not null default now(), constraint "server_secret_pkey" primary key ("name"));`,
    );

    this.addSql(
      `alter table "refresh_token" add constraint "refresh_token_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "account" add constraint "account_plan_check" check("plan" in ('free', 'pro', 'team'));`,
    );
    this.addSql(
      `alter table "account" add constraint "account_role_check" check("role" in ('member', 'admin'));`,
    );

    this.addSql(
      `alter table "api_token" add constraint "api_token_preset_check" check("preset" in ('ALL', 'READ_ONLY', 'CLI', 'CUSTOM'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "refresh_token" cascade;`);

    this.addSql(`drop table if exists "server_secret" cascade;`);

    this.addSql(`alter table "account" drop constraint if exists "account_plan_check";`);
    this.addSql(`alter table "account" drop constraint if exists "account_role_check";`);

    this.addSql(`alter table "api_token" drop constraint if exists "api_token_preset_check";`);

    this.addSql(`alter table "account" alter column "plan" type text using ("plan"::text);`);
    this.addSql(`alter table "account" alter column "role" type text using ("role"::text);`);

    this.addSql(`alter table "api_token" alter column "preset" type text using ("preset"::text);`);
  }
}
