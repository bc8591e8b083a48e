import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduled jobs: per-account settings (inactivity deactivation, expiry reminders), the per-token
 * reminder switch, the once-a-day digest key (`digest_sent`) and which expiry windows each token
 * was already reminded of (`token_expiry_reminder`).
 */
export class Migration20261202090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "digest_sent" ("kind" text not null, "owner_type" text not null, "owner_id" uuid not null, "day" date not null, "created_at" timestamptz not null default now(), constraint "digest_sent_pkey" primary key ("kind", "owner_type", "owner_id", "day"));`,
    );

    this.addSql(
      `create table "token_expiry_reminder" ("token_id" uuid not null, "window_days" int not null, "sent_at" timestamptz not null default now(), constraint "token_expiry_reminder_pkey" primary key ("token_id", "window_days"));`,
    );

    this.addSql(
      `alter table "token_expiry_reminder" add constraint "token_expiry_reminder_token_id_foreign" foreign key ("token_id") references "api_token" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "account" add column "deactivate_after_days" int null, add column "expiry_reminders" boolean not null default true;`,
    );

    this.addSql(`alter table "api_token" add column "expiry_reminders" boolean not null default true;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "digest_sent" cascade;`);

    this.addSql(`drop table if exists "token_expiry_reminder" cascade;`);

    this.addSql(`alter table "account" drop column "deactivate_after_days", drop column "expiry_reminders";`);

    this.addSql(`alter table "api_token" drop column "expiry_reminders";`);
  }
}
