import type { EntityManager } from '@mikro-orm/postgresql';
import type { Account } from '../accounts/accounts.entity.js';
import { normalizeEmail } from '../accounts/accounts.service.js';
import type { Caller } from '../caller.js';
import { KeywardError } from '../errors.js';
import { isUuid } from '../ids.js';
import { enqueueMail } from '../mail/mail.service.js';
import { breaksPolicySql } from '../organizations/organization-policy.js';
import { notRevokedSql, personalTokenReachesSql } from '../organizations/organization-reach.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import type { PermissionPreset } from '../permissions/presets.js';
import { newestTokensPage, type TokenCondition } from './token-pages.js';
import { revokeTokenTrees } from './token-revocation.js';
import { type TokenStatus, tokenStatus, tokenStatusSql } from './token-rules.js';
import { ApiToken } from './tokens.entity.js';

/** The outbox kind of the mail telling a token's owner a site admin revoked it. */
export const ADMIN_REVOKE_MAIL = 'token_revoked_by_admin';

/** Filters of the site admins' token inventory; each narrows, all together. */
export interface AdminTokenFilter {
  /** The owning account's email, exactly (case-insensitive): its personal tokens. */
  ownerEmail?: string | null;
  /** The organization's own tokens. */
  organizationSlug?: string | null;
  status?: TokenStatus | null;
  /** Last used before this instant; a never-used token counts from its creation. */
  lastUsedBefore?: Date | null;
  /** Expires before this instant (tokens that never expire are left out). */
  expiresBefore?: Date | null;
  preset?: PermissionPreset | null;
  /** true: tokens that break a policy (Token.outOfPolicy not empty); false: those that break none. */
  outOfPolicy?: boolean | null;
}

function requireSiteAdmin(caller: Caller): Account {
  const { principal } = caller;
  if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
  if (principal.account.role !== 'admin')
    throw new KeywardError('forbidden', 'This needs the site admin role.');
  return principal.account;
}

const tokenNotFound = () => new KeywardError('not_found', 'No token with that id.');

/**
 * Site admins' oversight of every token on the server (docs/architecture.md, "Which file owns
 * which rule"): the filtered list, and revocation of any token, audited with the admin's account
 * as actor and told to the token's owner by mail.
 */
export class AdminTokensService {
  constructor(
    private readonly deps: {
      catalogue: PermissionCatalogue;
      /** The tokens service's path that drops revoked tokens from every instance's cache. */
      onTokensChanged: (tokens: readonly { id: string }[]) => Promise<void>;
      /** Where links in mail point. */
      appOrigin: () => string;
    },
  ) {}

  /** One page of every token matching `filter`, newest first; any token's cursor works. */
  async listTokens(
    em: EntityManager,
    caller: Caller,
    filter: AdminTokenFilter,
    options: { first: number; afterId?: string | null },
  ): Promise<{ tokens: ApiToken[]; hasNextPage: boolean }> {
    requireSiteAdmin(caller);
    return newestTokensPage(em, this.condition(filter), { sql: 'true', params: [] }, options);
  }

  private condition(filter: AdminTokenFilter): TokenCondition {
    const conditions: string[] = ['true'];
    const params: unknown[] = [];
    if (filter.ownerEmail != null) {
      conditions.push(
        't.organization_id is null and t.account_id = (select id from account where email = ?)',
      );
      params.push(normalizeEmail(filter.ownerEmail));
    }
    if (filter.organizationSlug != null) {
      conditions.push('t.organization_id = (select id from organization where slug = ?)');
      params.push(filter.organizationSlug);
    }
    if (filter.status != null) conditions.push(tokenStatusSql(filter.status, 't'));
    if (filter.lastUsedBefore != null) {
      conditions.push('coalesce(t.last_used_at, t.created_at) < ?');
      params.push(filter.lastUsedBefore);
    }
    if (filter.expiresBefore != null) {
      conditions.push('t.expires_at < ?');
      params.push(filter.expiresBefore);
    }
    if (filter.preset != null) {
      conditions.push('t.preset = ?');
      params.push(filter.preset);
    }
    if (filter.outOfPolicy != null) {
      // The SQL form of OrganizationPolicyService.outOfPolicy: a live token breaking the policy of
      // its organization, or of an organization it reaches.
      const breaks = `exists (select 1 from organization o where
        ((t.organization_id = o.id and ${notRevokedSql('t')}) or ${personalTokenReachesSql(this.deps.catalogue, 't', 'o.id')})
        and ${breaksPolicySql('t', 'o')})`;
      conditions.push(filter.outOfPolicy ? breaks : `not ${breaks}`);
    }
    return { sql: conditions.join(' and '), params };
  }

  /**
   * Revokes any token, and every token it created (token-revocation.ts), for good. The audit
   * event's actor is the admin's account (detail `by a site admin`, naming the admin's token when
   * one acted); the owner (of an organization token: its owners and admins) is told by mail;
   * every instance drops the tokens from its cache. Idempotent like revokeToken: an already
   * revoked token is answered as it is, with no second event and no mail. Unknown id: not found.
   */
  async revokeToken(em: EntityManager, caller: Caller, id: string): Promise<ApiToken> {
    const admin = requireSiteAdmin(caller);
    if (!isUuid(id)) throw tokenNotFound();
    const token = await em.findOne(ApiToken, { id });
    if (!token) throw tokenNotFound();
    const wasRevoked = tokenStatus(token, Date.now()) === 'REVOKED';
    const detail =
      caller.principal.kind === 'token'
        ? `by a site admin (token ${caller.principal.token.id})`
        : 'by a site admin';
    const revoked = await em.transactional(async (tx) => {
      const rows = await revokeTokenTrees(
        tx,
        [token.id],
        { type: 'account', id: admin.id },
        caller.meta,
        detail,
      );
      if (!wasRevoked && rows.some((row) => row.id === token.id)) {
        const cascaded = rows.length - 1;
        for (const recipient of await this.recipients(tx, token))
          enqueueMail(tx, {
            to: recipient.email,
            kind: ADMIN_REVOKE_MAIL,
            ...this.composeMail(recipient.name, token, cascaded),
          });
      }
      return rows;
    });
    await this.deps.onTokensChanged(revoked);
    await em.refresh(token);
    return token;
  }

  /** Who is told: a personal token's owner; an organization token's owners and admins. */
  private async recipients(tx: EntityManager, token: ApiToken): Promise<{ email: string; name: string }[]> {
    if (token.organization !== null) {
      return tx.execute<{ email: string; name: string }[]>(
        `select a.email, a.name from organization_member m join account a on a.id = m.account_id
         where m.organization_id = ? and m.role in ('OWNER', 'ADMIN') order by a.email`,
        [token.organization],
      );
    }
    if (token.account === null) return [];
    return tx.execute<{ email: string; name: string }[]>('select email, name from account where id = ?', [
      token.account,
    ]);
  }

  private composeMail(name: string, token: ApiToken, cascaded: number): { subject: string; body: string } {
    const children =
      cascaded === 0
        ? ''
        : `\n\nThe ${cascaded === 1 ? 'token it created was' : `${cascaded} tokens it created were`} revoked with it.`;
    return {
      subject: `A site admin revoked the Keyward token "${token.name}"`,
      body: [
        `Hello ${name},`,
        `A site admin of this Keyward server revoked the token "${token.name}" (${token.displayPrefix}…). ` +
          `Requests with it are now refused (token_revoked), and it cannot be restored.${children}`,
        `If you still need access, create a new token: ${this.deps.appOrigin()}/tokens`,
      ].join('\n\n'),
    };
  }
}
