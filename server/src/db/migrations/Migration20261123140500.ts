import { Migration } from '@mikro-orm/migrations';

/**
 * Cache invalidation at the source: any change that alters a token decision (revoke, toggle,
 * owner, plan, role, verification, deletion) notifies `keyward_invalidation` on commit, whoever
 * made it: an instance, the admin command, or an operator in psql. Write-behind updates of
 * last_used_* touch none of the watched columns and so notify nothing.
 */
export class Migration20261123140500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function keyward_notify_token_change() returns trigger language plpgsql as $$
      begin
        perform pg_notify('keyward_invalidation', 'token:' || old.id::text);
        return null;
      end;
    $$;`);
    this.addSql(`create trigger api_token_invalidate
      after update of revoked_at, active, expires_at, account_id, preset, permissions, rate_limit_per_minute, name
      or delete on "api_token"
      for each row execute function keyward_notify_token_change();`);
    this.addSql(`create function keyward_notify_account_change() returns trigger language plpgsql as $$
      begin
        perform pg_notify('keyward_invalidation', 'account:' || old.id::text);
        return null;
      end;
    $$;`);
    this.addSql(`create trigger account_invalidate
      after update of plan, role, email_verified, email, name or delete on "account"
      for each row execute function keyward_notify_account_change();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger account_invalidate on "account";');
    this.addSql('drop function keyward_notify_account_change();');
    this.addSql('drop trigger api_token_invalidate on "api_token";');
    this.addSql('drop function keyward_notify_token_change();');
  }
}
