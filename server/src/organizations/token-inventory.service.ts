import type { EntityManager } from '@mikro-orm/postgresql';
import type { Caller } from '../caller.js';
import { KeywardError } from '../errors.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import { newestTokensPage, type TokenCondition } from '../tokens/token-pages.js';
import type { ApiToken } from '../tokens/tokens.entity.js';
import { notRevokedSql, personalTokenReachesSql } from './organization-reach.js';
import type { OrganizationRole } from './organizations.entity.js';
import { holds, roleRefusal } from './organizations.service.js';

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
    const [membership] = await em.execute<{ id: string; role: OrganizationRole }[]>(
      `select o.id, m.role from organization o join organization_member m on m.organization_id = o.id
       where o.slug = ? and m.account_id = ?`,
      [slug, principal.account.id],
    );
    if (!membership) throw organizationNotFound();
    if (!holds(membership.role, 'ADMIN'))
      throw roleRefusal('ADMIN', membership.role, "The organization's token inventory");
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
