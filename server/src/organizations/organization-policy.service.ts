import type { EntityManager } from '@mikro-orm/postgresql';
import { validateDeactivateAfterDays } from '../accounts/account-settings.service.js';
import { recordAudit } from '../audit/audit.service.js';
import { actorOf, type Caller } from '../caller.js';
import { KeywardError } from '../errors.js';
import { isUuid } from '../ids.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import type { PermissionPreset } from '../permissions/presets.js';
import { tokenStatus } from '../tokens/token-rules.js';
import type { ApiToken } from '../tokens/tokens.entity.js';
import { organizationNotFound, requireOrganizationRole } from './organization-access.js';
import {
  type OrganizationPolicy,
  type PolicyRule,
  policyOf,
  policyViolations,
  validatePolicyInput,
} from './organization-policy.js';
import { personalTokenReachesSql } from './organization-reach.js';
import { Organization } from './organizations.entity.js';
import type { OrganizationView } from './organizations.service.js';

/** The policy and the organization's settings for scheduled jobs, as `Organization.policy` shows them. */
export interface OrganizationPolicySettings extends OrganizationPolicy {
  deactivateAfterDays: number | null;
  expiryReminders: boolean;
}

/** What an owner sets; absent fields keep their value, null clears a nullable one. */
export interface SetOrganizationPolicyInput {
  organizationId: string;
  maxLifetimeDays?: number | null;
  requireExpiry?: boolean | null;
  allowedPresets?: readonly string[] | null;
  deactivateAfterDays?: number | null;
  expiryReminders?: boolean | null;
}

const RULE_ORDER: readonly PolicyRule[] = ['expiry_required', 'max_lifetime_exceeded', 'preset_not_allowed'];

function settingsOf(organization: Organization): OrganizationPolicySettings {
  return {
    ...policyOf(organization),
    deactivateAfterDays: organization.deactivateAfterDays,
    expiryReminders: organization.expiryReminders,
  };
}

/** `before → after` for each changed setting, in the words of the API; null when nothing changed. */
function describeChanges(
  before: OrganizationPolicySettings,
  after: OrganizationPolicySettings,
): string | null {
  const shown = {
    maxLifetimeDays: (value: number | null) => (value === null ? 'none' : `${value} days`),
    requireExpiry: String,
    allowedPresets: (value: readonly string[] | null) => (value === null ? 'any' : value.join(', ')),
    deactivateAfterDays: (value: number | null) => (value === null ? 'off' : `${value} days`),
    expiryReminders: (value: boolean) => (value ? 'on' : 'off'),
  } as const;
  const changes: string[] = [];
  for (const key of Object.keys(shown) as (keyof typeof shown)[]) {
    const show = shown[key] as (value: unknown) => string;
    const [was, now] = [show(before[key]), show(after[key])];
    if (was !== now) changes.push(`${key}: ${was} → ${now}`);
  }
  return changes.length > 0 ? changes.join('; ') : null;
}

/**
 * Organization policy (docs/architecture.md, "Which file owns which rule"): owners set it
 * (validatePolicyInput, validateDeactivateAfterDays), any member reads it, and tokens are judged
 * against it (outOfPolicy): an organization token against its organization's policy, a personal
 * token against the policy of every organization it reaches (organization-reach.ts).
 */
export class OrganizationPolicyService {
  constructor(private readonly deps: { catalogue: PermissionCatalogue }) {}

  /**
   * Sets the policy and settings of one of the caller's organizations: owners only (an admin or a
   * member is FORBIDDEN naming OWNER; another organization's id is not found). Audited as
   * `organization.policy` with what changed; a call that changes nothing writes nothing.
   */
  async setPolicy(
    em: EntityManager,
    caller: Caller,
    input: SetOrganizationPolicyInput,
  ): Promise<OrganizationView> {
    const { principal } = caller;
    if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
    if (!isUuid(input.organizationId)) throw organizationNotFound();
    const deactivateAfterDays =
      input.deactivateAfterDays === undefined
        ? undefined
        : validateDeactivateAfterDays(input.deactivateAfterDays);
    return em.transactional(async (tx) => {
      // The row lock orders concurrent policy changes (and membership changes) of one organization.
      await tx.execute('select id from organization where id = ? for update', [input.organizationId]);
      const actor = await requireOrganizationRole(
        tx,
        caller,
        input.organizationId,
        'OWNER',
        "Changing the organization's policy",
      );
      const organization = await tx.findOneOrFail(
        Organization,
        { id: input.organizationId },
        { refresh: true },
      );
      const before = settingsOf(organization);
      const policy = validatePolicyInput(input, before);
      const after: OrganizationPolicySettings = {
        ...policy,
        deactivateAfterDays:
          deactivateAfterDays === undefined ? before.deactivateAfterDays : deactivateAfterDays,
        expiryReminders: input.expiryReminders ?? before.expiryReminders,
      };
      const detail = describeChanges(before, after);
      if (detail !== null) {
        organization.maxLifetimeDays = after.maxLifetimeDays;
        organization.requireExpiry = after.requireExpiry;
        organization.allowedPresets = after.allowedPresets === null ? null : [...after.allowedPresets];
        organization.deactivateAfterDays = after.deactivateAfterDays;
        organization.expiryReminders = after.expiryReminders;
        recordAudit(tx, {
          action: 'organization.policy',
          actor: actorOf(principal),
          accountId: actor.accountId,
          targetId: organization.id,
          meta: caller.meta,
          detail,
        });
      }
      return {
        id: organization.id,
        slug: organization.slug,
        name: organization.name,
        createdAt: organization.createdAt,
        viewerRole: actor.role,
      };
    });
  }

  /** The policies of the given organizations (callers have checked membership), by id. */
  async policies(
    em: EntityManager,
    organizationIds: readonly string[],
  ): Promise<Map<string, OrganizationPolicySettings>> {
    const ids = [...new Set(organizationIds)].filter(isUuid);
    const found = ids.length === 0 ? [] : await em.find(Organization, { id: { $in: ids } });
    return new Map(found.map((organization) => [organization.id, settingsOf(organization)]));
  }

  /**
   * The rules each token breaks, by token id, in policyViolations' order: an organization token
   * against its organization's policy; a personal token against every organization it reaches
   * (the union). Revoked tokens break nothing. Two queries whatever the number of tokens.
   */
  async outOfPolicy(em: EntityManager, tokens: readonly ApiToken[]): Promise<Map<string, PolicyRule[]>> {
    const now = Date.now();
    const live = tokens.filter((token) => tokenStatus(token, now) !== 'REVOKED');
    const broken = new Map<string, Set<PolicyRule>>(tokens.map((token) => [token.id, new Set()]));
    const organizational = live.filter((token) => token.organization !== null);
    const policies = await this.policies(
      em,
      organizational.map((token) => token.organization!),
    );
    for (const token of organizational) {
      const policy = policies.get(token.organization!);
      if (policy) for (const rule of policyViolations(token, policy)) broken.get(token.id)?.add(rule);
    }
    const personal = live.filter((token) => token.organization === null && token.account !== null);
    if (personal.length > 0) {
      const rows = await em.execute<
        {
          token_id: string;
          max_lifetime_days: number | null;
          require_expiry: boolean;
          allowed_presets: PermissionPreset[] | null;
        }[]
      >(
        `select tok.id as token_id, o.max_lifetime_days, o.require_expiry, o.allowed_presets
         from api_token tok
         join organization_member mm on mm.account_id = tok.account_id
         join organization o on o.id = mm.organization_id
         where tok.id = any(?::uuid[]) and ${personalTokenReachesSql(this.deps.catalogue, 'tok', 'o.id')}`,
        [`{${personal.map((token) => token.id).join(',')}}`],
      );
      const byId = new Map(personal.map((token) => [token.id, token]));
      for (const row of rows) {
        const token = byId.get(row.token_id);
        if (!token) continue;
        const policy = policyOf({
          maxLifetimeDays: row.max_lifetime_days,
          requireExpiry: row.require_expiry,
          allowedPresets: row.allowed_presets,
        });
        for (const rule of policyViolations(token, policy)) broken.get(token.id)?.add(rule);
      }
    }
    return new Map([...broken].map(([id, rules]) => [id, RULE_ORDER.filter((rule) => rules.has(rule))]));
  }
}
