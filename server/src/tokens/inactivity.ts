import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../audit/audit.service.js';
import { type DigestOwner, onceADay } from '../jobs/digest-claim.js';
import { digestAudience, ownerTokens } from '../jobs/digest-owners.js';
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
  owner: DigestOwner,
  days: number,
): Promise<DeactivatedToken[]> {
  const mine = ownerTokens(owner);
  const rows = await tx.execute<(DeactivatedToken & { account_id: string | null })[]>(
    `update api_token token set active = false, updated_at = now()
     where ${mine.where} and active and revoked_at is null and (expires_at is null or expires_at > now())
       and ${UNUSED_SINCE} <= now() - make_interval(days => ?)
     returning id, name, display_prefix, last_used_at, account_id`,
    [mine.param, days],
  );
  for (const row of rows) {
    recordAudit(tx, {
      action: 'token.deactivate',
      actor: { type: 'system', id: null },
      // A personal token's owner; for an organization token, the account that created it.
      accountId: row.account_id,
      targetId: row.id,
      meta: { ip: null, userAgent: null },
      detail: 'inactivity',
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The daily inactivity job: for each owner with `deactivateAfterDays` set — an account (its
 * personal tokens, mailed to it) or an organization (its tokens, mailed to its owners and admins:
 * jobs/digest-owners.ts) — deactivates its unused tokens and mails one list of them (nothing to
 * deactivate, no mail). At most one run per owner per UTC day takes effect (onceADay);
 * `onTokensChanged` is the tokens service's path that drops the tokens from every instance's
 * cache, called after the commit.
 */
export async function deactivateInactiveTokens(
  em: EntityManager,
  options: { appOrigin: string; onTokensChanged: (tokens: readonly { id: string }[]) => Promise<void> },
): Promise<JobOutput> {
  const live = `token.active and token.revoked_at is null and (token.expires_at is null or token.expires_at > now())`;
  const owners = await em.fork().execute<{ type: DigestOwner['type']; id: string }[]>(
    `select 'account' as type, account.id from account where account.deactivate_after_days is not null and exists (
       select 1 from api_token token where token.organization_id is null and token.account_id = account.id and ${live}
         and ${UNUSED_SINCE} <= now() - make_interval(days => account.deactivate_after_days))
     union all
     select 'organization' as type, organization.id from organization where organization.deactivate_after_days is not null and exists (
       select 1 from api_token token where token.organization_id = organization.id and ${live}
         and ${UNUSED_SINCE} <= now() - make_interval(days => organization.deactivate_after_days))`,
  );
  let mailed = 0;
  let deactivated = 0;
  for (const owner of owners) {
    const result = await onceADay(em, { kind: INACTIVITY_JOB, owner }, async (tx) => {
      const audience = await digestAudience(tx, owner, 'deactivate_after_days');
      if (!audience || audience.setting === null) return { sent: false, tokens: [], mails: 0 };
      const days = audience.setting;
      const tokens = await deactivateUnusedTokens(tx, owner, days);
      if (tokens.length === 0) return { sent: false, tokens, mails: 0 };
      const organization = owner.type === 'organization' ? audience.name : null;
      for (const recipient of audience.recipients)
        enqueueMail(tx, {
          to: recipient.email,
          kind: INACTIVITY_MAIL,
          ...composeInactivityMail(recipient.name, days, tokens, options.appOrigin, organization),
        });
      // Deactivated even when nobody can be told (an organization without a verified admin).
      return { sent: true, tokens, mails: audience.recipients.length };
    });
    if (result?.sent) {
      mailed += result.mails;
      deactivated += result.tokens.length;
      await options.onTokensChanged(result.tokens);
    }
  }
  return { owners: owners.length, mailed, deactivated };
}

function composeInactivityMail(
  name: string,
  days: number,
  tokens: readonly DeactivatedToken[],
  appOrigin: string,
  organization: string | null,
): { subject: string; body: string } {
  const lines = tokens.map((token) => {
    const used = token.last_used_at
      ? `last used ${new Date(token.last_used_at).toISOString().slice(0, 10)}`
      : 'never used';
    return `- ${token.name} (${token.display_prefix}…), ${used}\n  ${appOrigin}/tokens/${token.id}`;
  });
  const whose = organization === null ? '' : ` of ${organization}`;
  return {
    subject:
      tokens.length === 1
        ? `A Keyward token${whose} was deactivated after inactivity`
        : `${tokens.length} Keyward tokens${whose} were deactivated after inactivity`,
    body: [
      `Hello ${name},`,
      `These tokens${organization === null ? '' : ` of the organization ${organization}`} were not used for ${days} days, so they were deactivated (not revoked): requests with them are refused until you reactivate them on their page.`,
      lines.join('\n'),
      organization === null
        ? 'Your account settings say after how many days unused tokens are deactivated, or turn it off.'
        : "The organization's policy says after how many days its unused tokens are deactivated, or turns it off.",
    ].join('\n\n'),
  };
}
