import type { EntityManager } from '@mikro-orm/postgresql';
import type { DigestOwner } from './digest-claim.js';

/**
 * Whose tokens a daily digest is about, and who reads it (docs/architecture.md, "Scheduled jobs"):
 * - an account: its personal tokens (organization tokens are not a person's), mailed to it;
 * - an organization: its tokens, mailed to each owner and admin whose email is verified (an
 *   unverified address may not be theirs).
 */
export interface DigestRecipient {
  email: string;
  name: string;
}

/** The SQL condition selecting the owner's tokens from `api_token token`, with its one parameter. */
export function ownerTokens(owner: DigestOwner): { where: string; param: string } {
  return owner.type === 'account'
    ? { where: 'token.organization_id is null and token.account_id = ?', param: owner.id }
    : { where: 'token.organization_id = ?', param: owner.id };
}

/** The owner's row as a digest needs it: its setting and who reads the mail; null if it is gone. */
export async function digestAudience<Setting extends 'expiry_reminders' | 'deactivate_after_days'>(
  tx: EntityManager,
  owner: DigestOwner,
  setting: Setting,
): Promise<{
  /** The account's or organization's name, for the mail. */
  name: string;
  setting: Setting extends 'expiry_reminders' ? boolean : number | null;
  recipients: DigestRecipient[];
} | null> {
  if (owner.type === 'account') {
    const [account] = await tx.execute<{ email: string; name: string; setting: never }[]>(
      `select email, name, ${setting} as setting from account where id = ?`,
      [owner.id],
    );
    if (!account) return null;
    return {
      name: account.name,
      setting: account.setting,
      recipients: [{ email: account.email, name: account.name }],
    };
  }
  const [organization] = await tx.execute<{ name: string; setting: never }[]>(
    `select name, ${setting} as setting from organization where id = ?`,
    [owner.id],
  );
  if (!organization) return null;
  const recipients = await tx.execute<DigestRecipient[]>(
    `select account.email, account.name from organization_member member join account on account.id = member.account_id
     where member.organization_id = ? and member.role in ('OWNER', 'ADMIN') and account.email_verified
     order by account.email`,
    [owner.id],
  );
  return { name: organization.name, setting: organization.setting, recipients };
}
