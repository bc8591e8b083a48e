import { Migration } from '@mikro-orm/migrations';

/**
 * The access-token signing key no longer lives in the database (anyone able to read it could
 * mint access tokens): it comes from KEYWARD_SECRET or a key file in the data directory. Tokens
 * signed with the old key carry no kid and stop verifying.
 */
export class Migration20261201052548 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`delete from "server_secret" where "name" = 'access-token-key';`);
  }

  override async down(): Promise<void> {
    // The deleted key is gone for good: nothing to restore.
  }
}
