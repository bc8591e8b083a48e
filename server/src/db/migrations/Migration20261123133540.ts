import { Migration } from '@mikro-orm/migrations';

export class Migration20261123133540 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "account" ("id" uuid not null, "email" text not null, "name" text not null, "password_hash" text not null, "email_verified" boolean not null default false, "plan" text not null default 'free', "role" text not null default 'member', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "account_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "account" add constraint "account_email_unique" unique ("email");`);

    this.addSql(
      `create table "account_link" ("token_hash" text not null, "account_id" uuid not null, "purpose" text not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null default now(), constraint "account_link_pkey" primary key ("token_hash"));`,
    );
    this.addSql(
      `create index "account_link_account_id_purpose_index" on "account_link" ("account_id", "purpose");`,
    );

    this.addSql(
      `create table "api_token" ("id" uuid not null, "account_id" uuid null, "name" text not null, "description" text null, "secret_hash" text not null, "display_prefix" text not null, "preset" text not null, "permissions" text[] null, "expires_at" timestamptz null, "active" boolean not null default true, "revoked_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "last_used_at" timestamptz null, "last_used_ip" text null, "created_by_token" uuid null, "rate_limit_per_minute" int null, constraint "api_token_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "api_token" add constraint "api_token_secret_hash_unique" unique ("secret_hash");`,
    );
    this.addSql(
      `create index "api_token_account_id_created_at_index" on "api_token" ("account_id", "created_at");`,
    );

    this.addSql(
      `create table "audit_event" ("id" uuid not null, "action" text not null, "actor_type" text not null, "actor_id" uuid null, "account_id" uuid null, "target_id" uuid null, "ip" text null, "user_agent" text null, "created_at" timestamptz not null default now(), constraint "audit_event_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "audit_event_account_id_created_at_index" on "audit_event" ("account_id", "created_at");`,
    );
    this.addSql(
      `create index "audit_event_target_id_created_at_index" on "audit_event" ("target_id", "created_at");`,
    );

    this.addSql(
      `create table "mail_outbox" ("id" uuid not null, "recipient" text not null, "subject" text not null, "body" text not null, "kind" text not null, "created_at" timestamptz not null default now(), "sent_at" timestamptz null, "attempts" int not null default 0, "next_attempt_at" timestamptz not null default now(), "last_error" text null, constraint "mail_outbox_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "mail_outbox_sent_at_next_attempt_at_index" on "mail_outbox" ("sent_at", "next_attempt_at");`,
    );

    this.addSql(
      `create table "session" ("id_hash" text not null, "account_id" uuid not null, "created_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now(), "expires_at" timestamptz not null, "ip" text null, "user_agent" text null, constraint "session_pkey" primary key ("id_hash"));`,
    );
    this.addSql(`create index "session_account_id_index" on "session" ("account_id");`);

    this.addSql(
      `create table "token_usage_day" ("token_id" uuid not null, "day" date not null, "count" int not null default 0, constraint "token_usage_day_pkey" primary key ("token_id", "day"));`,
    );

    this.addSql(
      `alter table "account_link" add constraint "account_link_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "api_token" add constraint "api_token_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "session" add constraint "session_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "token_usage_day" add constraint "token_usage_day_token_id_foreign" foreign key ("token_id") references "api_token" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "account_link" drop constraint "account_link_account_id_foreign";`);

    this.addSql(`alter table "api_token" drop constraint "api_token_account_id_foreign";`);

    this.addSql(`alter table "session" drop constraint "session_account_id_foreign";`);

    this.addSql(`alter table "token_usage_day" drop constraint "token_usage_day_token_id_foreign";`);

    this.addSql(`drop table if exists "account" cascade;`);

    this.addSql(`drop table if exists "account_link" cascade;`);

    this.addSql(`drop table if exists "api_token" cascade;`);

    this.addSql(`drop table if exists "audit_event" cascade;`);

    this.addSql(`drop table if exists "mail_outbox" cascade;`);

    this.addSql(`drop table if exists "session" cascade;`);

    this.addSql(`drop table if exists "token_usage_day" cascade;`);
  }
}
