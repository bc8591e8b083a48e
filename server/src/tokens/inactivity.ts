import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../audit/audit.service.js';
import { type DigestOwner, onceADay } from '../jobs/digest-claim.js';
import type { JobOutput } from '../jobs/job-queue.js';
import { enqueueMail } from '../mail/mail.service.js';

export const INACTIVITY_JOB = 'inactivity';
/** The outbox kind of the mail listing what was deactivated. */
export const INACTIVITY_MAIL = 'tokens_deactivated';

/**
 * When a token counts as unused: its last use, or, never used, its creation, or the owner's last
 * change to it (a reactivation, a rename) when that is later. So a token reactivated by its owner
 * gets a full period again instead of going inactive on the next run.
 */
const UNUSED_SINCE = 'greatest(coalesce(last_used_at, created_at), updated_at)';

interface DeactivatedToken {
  id: string;
  name: string;
  display_prefix: string;
  last_used_at: Date | null;
}

/**
 * Deactivates (never revokes) the owner's live, active tokens unused for `days` days, in the
 * caller's transaction, with one `token.deactivate` event each (actor system, detail
 * `inactivity`). Returns them, for the mail and for cache invalidation after commit.
 */
export async function deactivateUnusedTokens(
  tx: EntityManager,
  accountId: string,
  days: number,
): Promise<DeactivatedToken[]> {
  const rows = await tx.execute<DeactivatedToken[]>(
    `update api_token set active = false, updated_at = now()
     where account_id = ? and organization_id is null and active and revoked_at is null
       and (expires_at is null or expires_at > now())
       and ${UNUSED_SINCE} <= now() - make_interval(days => ?)
     returning id, name, display_prefix, last_used_at`,
    [accountId, days],
  );
  for (const row of rows) {
    recordAudit(tx, {
      action: 'token.deactivate',
      actor: { type: 'system', id: null },
      accountId,
      targetId: row.id,
      meta: { ip: null, userAgent: null },
      detail: 'inactivity',
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The daily inactivity job: for each account with `deactivateAfterDays` set, deactivates its
 * unused tokens and mails one list of them (nothing to deactivate, no mail). At most one run per
 * account per UTC day takes effect (onceADay); `onTokensChanged` is the tokens service's path
 * that drops the tokens from every instance's cache, called after the commit.
 *
 * Owners are accounts today; organizations will add an owner type with their own setting and
 * their admins as recipients.
 */
export async function deactivateInactiveTokens(
  em: EntityManager,
  options: { appOrigin: string; onTokensChanged: (tokens: readonly { id: string }[]) => Promise<void> },
): Promise<JobOutput> {
  const accounts = await em.fork().execute<{ id: string }[]>(
    `select account.id from account where account.deactivate_after_days is not null and exists (
       select 1 from api_token where account_id = account.id and organization_id is null and active and revoked_at is null
         and (expires_at is null or expires_at > now())
         and ${UNUSED_SINCE} <= now() - make_interval(days => account.deactivate_after_days))`,
  );
  let mailed = 0;
  let deactivated = 0;
  for (const { id } of accounts) {
    const owner: DigestOwner = { type: 'account', id };
    const result = await onceADay(em, { kind: INACTIVITY_JOB, owner }, async (tx) => {
      const [account] = await tx.execute<{ email: string; name: string; days: number | null }[]>(
        'select email, name, deactivate_after_days as days from account where id = ?',
        [id],
      );
      if (!account || account.days === null) return { sent: false, tokens: [] };
      const tokens = await deactivateUnusedTokens(tx, id, account.days);
      if (tokens.length === 0) return { sent: false, tokens };
      enqueueMail(tx, {
        to: account.email,
        kind: INACTIVITY_MAIL,
        ...composeInactivityMail(account.name, account.days, tokens, options.appOrigin),
      });
      return { sent: true, tokens };
    });
    if (result?.sent) {
      mailed++;
      deactivated += result.tokens.length;
      await options.onTokensChanged(result.tokens);
    }
  }
  return { accounts: accounts.length, mailed, deactivated };
}

function composeInactivityMail(
  name: string,
  days: number,
  tokens: readonly DeactivatedToken[],
  appOrigin: string,
): { subject: string; body: string } {
  const lines = tokens.map((token) => {
    const used = token.last_used_at
      ? `last used ${new Date(token.last_used_at).toISOString().slice(0, 10)}`
      : 'never used';
    return `- ${token.name} (${token.display_prefix}…), ${used}\n  ${appOrigin}/tokens/${token.id}`;
  });
  return {
    subject:
      tokens.length === 1
        ? 'A Keyward token was deactivated after inactivity'
        : `${tokens.length} Keyward tokens were deactivated after inactivity`,
    body: [
      `Hello ${name},`,
      `These tokens were not used for ${days} days, so they were deactivated (not revoked): requests with them are refused until you reactivate them on their page.`,
      lines.join('\n'),
      'Your account settings say after how many days unused tokens are deactivated, or turn it off.',
    ].join('\n\n'),
  };
}
