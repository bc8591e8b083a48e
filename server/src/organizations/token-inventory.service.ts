import type { EntityManager } from '@mikro-orm/postgresql';
import type { Caller } from '../caller.js';
import { KeywardError } from '../errors.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import { newestTokensPage, type TokenCondition } from '../tokens/token-pages.js';
import type { ApiToken } from '../tokens/tokens.entity.js';
import { requireOrganizationRole } from './organization-access.js';
import { notRevokedSql, personalTokenReachesSql } from './organization-reach.js';

const organizationNotFound = () => new KeywardError('not_found', 'No organization with that slug.');

/**
 * An organization's token inventory (docs/architecture.md, "Which file owns which rule"): what can
 * act on the organization. Its owners and admins see its own tokens and every member's personal
 * token that reaches it (organization-reach.ts), revoked ones left out, newest first.
 */
export class TokenInventoryService {
  constructor(private readonly deps: { catalogue: PermissionCatalogue }) {}

  /**
   * One page of the inventory of the caller's organization `slug`. A member is FORBIDDEN naming
   * the roles needed; an unknown slug and another organization's answer alike, not found. The
   * `after` cursor may be any token of the organization or of a current member's.
   */
  async listInventory(
    em: EntityManager,
    caller: Caller,
    slug: string,
    options: { first: number; afterId?: string | null },
  ): Promise<{ tokens: ApiToken[]; hasNextPage: boolean }> {
    const { principal } = caller;
    if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
    if (slug.length > 40) throw organizationNotFound();
    const [organization] = await em.execute<{ id: string }[]>('select id from organization where slug = ?', [
      slug,
    ]);
    if (!organization) throw organizationNotFound();
    // Another organization's slug answers like an unknown one (requireOrganizationRole).
    await requireOrganizationRole(
      em,
      caller,
      organization.id,
      'ADMIN',
      "The organization's token inventory",
    ).catch((error: unknown) => {
      throw error instanceof KeywardError && error.code === 'not_found' ? organizationNotFound() : error;
    });
    const membership = organization;
    const where: TokenCondition = {
      sql: `(t.organization_id = ? and ${notRevokedSql('t')}) or ${personalTokenReachesSql(this.deps.catalogue, 't', '?')}`,
      params: [membership.id, membership.id],
    };
    const cursorScope: TokenCondition = {
      sql: `t.organization_id = ? or (t.organization_id is null and exists (
        select 1 from organization_member cm where cm.organization_id = ? and cm.account_id = t.account_id))`,
      params: [membership.id, membership.id],
    };
    return newestTokensPage(em, where, cursorScope, options);
  }
}
