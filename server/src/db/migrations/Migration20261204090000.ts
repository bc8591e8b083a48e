import { Migration } from '@mikro-orm/migrations';

/**
 * Rotation and least privilege. A rotated token names its successor and the end of its grace
 * (both watched by the invalidation trigger, so every instance's cache learns of a rotation);
 * uses of its old secret are counted behind, outside the trigger. `token_permission_use` counts
 * which permissions each token exercised. The index on grace_ends_at serves the sweep that revokes tokens
 * whose grace has ended (tokens/token-rotation.ts).
 */
export class Migration20261204090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "token_permission_use" ("token_id" uuid not null, "permission" text not null, "count" bigint not null default 0, "last_used_at" timestamptz not null, constraint "token_permission_use_pkey" primary key ("token_id", "permission"));`,
    );
    this.addSql(
      `alter table "token_permission_use" add constraint "token_permission_use_token_id_foreign" foreign key ("token_id") references "api_token" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "api_token" add column "rotated_at" timestamptz null, add column "successor_id" uuid null, add column "grace_ends_at" timestamptz null, add column "old_secret_uses" int not null default 0, add column "old_secret_last_used_at" timestamptz null, add column "old_secret_last_used_ip" text null;`,
    );
    this.addSql(
      `alter table "api_token" add constraint "api_token_successor_id_foreign" foreign key ("successor_id") references "api_token" ("id") on update cascade on delete set null;`,
    );
    this.addSql('create index "api_token_grace_ends_at_index" on "api_token" ("grace_ends_at");');
    this.addSql('drop trigger api_token_invalidate on "api_token";');
    this.addSql(`create trigger api_token_invalidate
      after update of revoked_at, active, expires_at, account_id, preset, permissions, rate_limit_per_minute, name,
        allowed_cidrs, not_before, usage_limit, usage_refill_amount, usage_refill_interval, successor_id, grace_ends_at
      or delete on "api_token"
      for each row execute function keyward_notify_token_change();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger api_token_invalidate on "api_token";');
    this.addSql(`create trigger api_token_invalidate
      after update of revoked_at, active, expires_at, account_id, preset, permissions, rate_limit_per_minute, name,
        allowed_cidrs, not_before, usage_limit, usage_refill_amount, usage_refill_interval
      or delete on "api_token"
      for each row execute function keyward_notify_token_change();`);
    this.addSql('drop index "api_token_grace_ends_at_index";');
    this.addSql(`drop table if exists "token_permission_use" cascade;`);
    this.addSql(`alter table "api_token" drop constraint "api_token_successor_id_foreign";`);
    this.addSql(
      `alter table "api_token" drop column "rotated_at", drop column "successor_id", drop column "grace_ends_at", drop column "old_secret_uses", drop column "old_secret_last_used_at", drop column "old_secret_last_used_ip";`,
    );
  }
}
