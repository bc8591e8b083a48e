import { Migration } from '@mikro-orm/migrations';

/**
 * Audit events get a short detail (a reason, never a secret); link mails are queued without
 * their link (the dispatcher mints it at delivery). Mail already sent loses its live links.
 */
export class Migration20261201052805 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_event" add column "detail" text null;`);

    this.addSql(`alter table "mail_outbox" add column "link_origin" text null;`);
    this.addSql(
      `update "mail_outbox" set "body" = regexp_replace("body", 'token=[A-Za-z0-9_-]+', 'token=[removed after delivery]', 'g') where "sent_at" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_event" drop column "detail";`);

    this.addSql(`alter table "mail_outbox" drop column "link_origin";`);
  }
}
