import type { EntityManager } from '@mikro-orm/postgresql';
import { randomOpaqueToken, sha256Hex } from '../crypto.js';
import { KeywardError } from '../errors.js';
import type { LinkMailComposer } from '../mail/mail.service.js';
import { Account, AccountLink, type AccountLinkPurpose } from './accounts.entity.js';

const LINK_LIFETIME_MS: Record<AccountLinkPurpose, number> = {
  verify_email: 24 * 3_600_000,
  password_reset: 3_600_000,
};
const LINK_PATH: Record<AccountLinkPurpose, string> = {
  verify_email: '/verify-email',
  password_reset: '/reset-password',
};

const isPurpose = (kind: string): kind is AccountLinkPurpose => kind in LINK_PATH;

/**
 * Creates a single-use link and returns its token; only the token's hash is stored. One live link
 * per purpose: an older one stops working when a new one is minted.
 */
async function mintLink(tx: EntityManager, accountId: string, purpose: AccountLinkPurpose): Promise<string> {
  const token = randomOpaqueToken();
  await tx.nativeUpdate(
    AccountLink,
    { account: accountId, purpose, usedAt: null },
    { usedAt: new Date(), expiresAt: new Date() },
  );
  tx.persist(
    Object.assign(new AccountLink(), {
      tokenHash: sha256Hex(token),
      account: accountId,
      purpose,
      expiresAt: new Date(Date.now() + LINK_LIFETIME_MS[purpose]),
    }),
  );
  await tx.flush();
  return token;
}

function mailText(
  purpose: AccountLinkPurpose,
  name: string,
  link: string,
): { subject: string; body: string } {
  return purpose === 'verify_email'
    ? {
        subject: 'Verify your Keyward email address',
        body: `Hello ${name},\n\nConfirm your email address: ${link}\n\nThe link works once and expires in 24 hours.`,
      }
    : {
        subject: 'Reset your Keyward password',
        body: `Hello ${name},\n\nSet a new password: ${link}\n\nThe link works once and expires in 1 hour. If you did not ask for it, ignore this mail.`,
      };
}

/**
 * Composes verification and reset mails at delivery time, minting the link then: nothing is sent
 * (and no link minted) for an address without an account, or an address already verified.
 */
export const composeAccountLinkMail: LinkMailComposer = async (tx, mail) => {
  if (!isPurpose(mail.kind)) return null;
  const account = await tx.findOne(Account, { email: mail.recipient });
  if (!account || (mail.kind === 'verify_email' && account.emailVerified)) return null;
  const link = `${mail.origin}${LINK_PATH[mail.kind]}?token=${await mintLink(tx, account.id, mail.kind)}`;
  return { ...mailText(mail.kind, account.name, link), link };
};

/** Marks a link used, atomically: two concurrent uses of one link cannot both succeed. Returns its account id. */
export async function consumeLink(
  tx: EntityManager,
  token: string,
  purpose: AccountLinkPurpose,
): Promise<string> {
  if (token.length === 0 || token.length > 128) throw new KeywardError('invalid_link');
  const rows = await tx.execute<{ account_id: string }[]>(
    `update account_link set used_at = now()
     where token_hash = ? and purpose = ? and used_at is null and expires_at > now()
     returning account_id`,
    [sha256Hex(token), purpose],
  );
  const row = rows[0];
  if (!row) throw new KeywardError('invalid_link');
  return row.account_id;
}
