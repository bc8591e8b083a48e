import { Migration } from '@mikro-orm/migrations';

/**
 * Token usage per day by outcome: `count` keeps the answered (allowed) uses; refusals for a
 * permission or restriction (`denied`) and by a rate limit (`rate_limited`) are counted beside it.
 */
export class Migration20261201100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "token_usage_day" add column "denied" int not null default 0;`);
    this.addSql(`alter table "token_usage_day" add column "rate_limited" int not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "token_usage_day" drop column "denied";`);
    this.addSql(`alter table "token_usage_day" drop column "rate_limited";`);
  }
}
