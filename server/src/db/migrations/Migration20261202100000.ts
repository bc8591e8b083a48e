import { Migration } from '@mikro-orm/migrations';

/**
 * Token restrictions: allowed client addresses, a not-before instant and credits with an optional
 * refill. The credit counter lives in its own narrow table, half-filled pages so that its
 * frequent updates stay HOT (no index write), and outside the token row's invalidation trigger;
 * the restrictions themselves are watched by it, so tightening one reaches every instance's cache.
 */
export class Migration20261202100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "token_credit" ("token_id" uuid not null, "remaining" int not null, "period_start" timestamptz null, "last_granted" int not null default 0, constraint "token_credit_pkey" primary key ("token_id")) with (fillfactor = 50);`,
    );
    this.addSql(
      `alter table "token_credit" add constraint "token_credit_token_id_foreign" foreign key ("token_id") references "api_token" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "api_token" add column "allowed_cidrs" text[] null, add column "not_before" timestamptz null, add column "usage_limit" int null, add column "usage_refill_amount" int null, add column "usage_refill_interval" text check ("usage_refill_interval" in ('DAY', 'WEEK', 'MONTH')) null;`,
    );
    this.addSql('drop trigger api_token_invalidate on "api_token";');
    this.addSql(`create trigger api_token_invalidate
      after update of revoked_at, active, expires_at, account_id, preset, permissions, rate_limit_per_minute, name,
        allowed_cidrs, not_before, usage_limit, usage_refill_amount, usage_refill_interval
      or delete on "api_token"
      for each row execute function keyward_notify_token_change();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger api_token_invalidate on "api_token";');
    this.addSql(`create trigger api_token_invalidate
      after update of revoked_at, active, expires_at, account_id, preset, permissions, rate_limit_per_minute, name
      or delete on "api_token"
      for each row execute function keyward_notify_token_change();`);
    this.addSql(`drop table if exists "token_credit" cascade;`);
    this.addSql(
      `alter table "api_token" drop column "allowed_cidrs", drop column "not_before", drop column "usage_limit", drop column "usage_refill_amount", drop column "usage_refill_interval";`,
    );
  }
}
