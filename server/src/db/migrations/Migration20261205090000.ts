import { Migration } from '@mikro-orm/migrations';

/**
 * Organization tokens and organization policy. A token with an organization belongs to it, not to
 * a person: `account_id` then only records who created it (set null if that account is deleted;
 * the token keeps working). Deleting an organization deletes its tokens (the token trigger tells
 * every instance). The policy columns are read when a token is created, and when the inventory
 * lists tokens out of policy (organizations/organization-policy.ts); the settings columns feed
 * the scheduled jobs (inactivity, expiry reminders) for the organization's tokens.
 */
export class Migration20261205090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "api_token" add column "organization_id" uuid null;`);
    this.addSql(
      `alter table "api_token" add constraint "api_token_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      'create index "api_token_organization_id_created_at_index" on "api_token" ("organization_id", "created_at");',
    );
    this.addSql(
      `alter table "organization" add column "max_lifetime_days" int null, add column "require_expiry" boolean not null default false, add column "allowed_presets" text[] null, add column "deactivate_after_days" int null, add column "expiry_reminders" boolean not null default true;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "organization" drop column "max_lifetime_days", drop column "require_expiry", drop column "allowed_presets", drop column "deactivate_after_days", drop column "expiry_reminders";`,
    );
    this.addSql('drop index "api_token_organization_id_created_at_index";');
    this.addSql(`alter table "api_token" drop constraint "api_token_organization_id_foreign";`);
    this.addSql(`alter table "api_token" drop column "organization_id";`);
  }
}
