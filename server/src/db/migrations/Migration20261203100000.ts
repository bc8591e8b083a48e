import { Migration } from '@mikro-orm/migrations';

/**
 * Credit leases: the credits an instance took out of a token's count to spend from memory, one row
 * per lease, written by the statement that takes them (tokens/credit-leases.ts).
 */
export class Migration20261203100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "token_credit_lease" ("token_id" uuid not null, "lease_id" uuid not null, "instance_id" uuid not null, "period_start" timestamptz null, "granted" int not null, "spent" int not null default 0, "taken_at" timestamptz not null default now(), "written_at" timestamptz not null default now(), constraint "token_credit_lease_pkey" primary key ("token_id", "lease_id"));`,
    );
    this.addSql(
      `alter table "token_credit_lease" add constraint "token_credit_lease_token_id_foreign" foreign key ("token_id") references "api_token" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "token_credit_lease" cascade;`);
  }
}
