import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { builder, type GraphQLContext } from '../graphql/builder.js';
import { PermissionPresetEnum } from '../permissions/permissions.graphql.js';
import type { ApiToken } from '../tokens/tokens.entity.js';
import { TokenRef } from '../tokens/tokens.graphql.js';
import type { PolicyRule } from './organization-policy.js';
import type { OrganizationPolicySettings } from './organization-policy.service.js';
import { OrganizationRef } from './organizations.graphql.js';

const POLICY_RULES = {
  EXPIRY_REQUIRED: 'expiry_required',
  MAX_LIFETIME_EXCEEDED: 'max_lifetime_exceeded',
  PRESET_NOT_ALLOWED: 'preset_not_allowed',
} as const satisfies Record<string, PolicyRule>;

const POLICY_RULE_NAMES = Object.fromEntries(
  Object.entries(POLICY_RULES).map(([name, rule]) => [rule, name]),
) as Record<PolicyRule, keyof typeof POLICY_RULES>;

const PolicyRuleEnum = builder.enumType('PolicyRule', {
  description: 'A rule of an organization policy, as the POLICY_* error codes name them.',
  values: {
    EXPIRY_REQUIRED: { description: 'The token never expires, and the policy requires an expiry.' },
    MAX_LIFETIME_EXCEEDED: {
      description:
        'The token lives longer than the policy allows (from creation to expiry; never expiring counts).',
    },
    PRESET_NOT_ALLOWED: { description: "The token's preset is not among the policy's allowed presets." },
  } as const,
});

/** Policies of the organizations in one request, batched. */
const policies = createContextCache(
  (ctx: GraphQLContext) =>
    new DataLoader<string, OrganizationPolicySettings | null>(async (ids) => {
      const found = await ctx.services.organizationPolicy.policies(ctx.em(), ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
);

/** The rules the tokens of one request break, batched: a page of tokens costs two queries. */
const violations = createContextCache(
  (ctx: GraphQLContext) =>
    new DataLoader<ApiToken, PolicyRule[], string>(
      async (tokens) => {
        const found = await ctx.services.organizationPolicy.outOfPolicy(ctx.em(), tokens);
        return tokens.map((token) => found.get(token.id) ?? []);
      },
      { cacheKeyFn: (token) => token.id },
    ),
);

const OrganizationPolicyRef = builder.objectRef<OrganizationPolicySettings>('OrganizationPolicy').implement({
  description:
    "An organization's token policy (new organization tokens must follow it; existing tokens show Token.outOfPolicy) and its settings for scheduled jobs.",
  fields: (t) => ({
    maxLifetimeDays: t.exposeInt('maxLifetimeDays', {
      nullable: true,
      description: 'The longest a token may live, from creation to expiry; null: no maximum.',
    }),
    requireExpiry: t.exposeBoolean('requireExpiry'),
    allowedPresets: t.field({
      type: [PermissionPresetEnum],
      nullable: true,
      description: 'The presets tokens may use; null: every preset.',
      resolve: (policy) => (policy.allowedPresets === null ? null : [...policy.allowedPresets]),
    }),
    deactivateAfterDays: t.exposeInt('deactivateAfterDays', {
      nullable: true,
      description: "The organization's tokens unused this many days become inactive; null: never.",
    }),
    expiryReminders: t.exposeBoolean('expiryReminders', {
      description: "Whether the organization's owners and admins get the expiry-reminder digest.",
    }),
  }),
});

builder.objectField(OrganizationRef, 'policy', (t) =>
  t.field({
    type: OrganizationPolicyRef,
    description: "The organization's policy; any member may read it.",
    authScopes: { permission: 'org:read' },
    resolve: async (organization, _args, ctx) => {
      const policy = await policies(ctx).load(organization.id);
      if (!policy) throw new Error(`organization ${organization.id} has no row`);
      return policy;
    },
  }),
);

builder.objectField(TokenRef, 'outOfPolicy', (t) =>
  t.field({
    type: [PolicyRuleEnum],
    description:
      "The policy rules the token breaks: an organization token, its organization's; a personal token, those of every organization it reaches. Empty for a revoked token.",
    resolve: async (token, _args, ctx) =>
      (await violations(ctx).load(token)).map((rule) => POLICY_RULE_NAMES[rule]),
  }),
);

const SetOrganizationPolicyInput = builder.inputType('SetOrganizationPolicyInput', {
  description:
    'Fields left out keep their value; null clears maxLifetimeDays, allowedPresets or deactivateAfterDays.',
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    maxLifetimeDays: t.int({ description: '1–3650 days from creation to expiry; null: no maximum.' }),
    requireExpiry: t.boolean(),
    allowedPresets: t.field({
      type: [PermissionPresetEnum],
      description: 'At least one preset; null: every preset.',
    }),
    deactivateAfterDays: t.int({ description: '30–730; null: never deactivate for inactivity.' }),
    expiryReminders: t.boolean(),
  }),
});

builder.mutationField('setOrganizationPolicy', (t) =>
  t.field({
    type: OrganizationRef,
    description:
      "Sets the organization's token policy and settings (owners only). New organization tokens must follow it; existing ones are listed as out of policy.",
    authScopes: { permission: 'org:update' },
    args: { input: t.arg({ type: SetOrganizationPolicyInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.organizationPolicy.setPolicy(ctx.em(), ctx.caller(), {
        ...input,
        organizationId: String(input.organizationId),
      }),
  }),
);
