import { builder } from '../graphql/builder.js';
import { ORGANIZATION_ROLES } from './organizations.entity.js';
import type { MemberView, OrganizationView } from './organizations.service.js';

const OrganizationRoleEnum = builder.enumType('OrganizationRole', {
  description:
    'OWNER: everything, including managing owners. ADMIN: adds and removes members and admins. MEMBER: reads.',
  values: ORGANIZATION_ROLES,
});

const MemberAccountRef = builder.objectRef<MemberView['account']>('OrganizationMemberAccount').implement({
  description: 'The account behind a membership, as the other members see it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
  }),
});

const OrganizationMemberRef = builder.objectRef<MemberView>('OrganizationMember').implement({
  fields: (t) => ({
    account: t.field({ type: MemberAccountRef, resolve: (member) => member.account }),
    role: t.field({ type: OrganizationRoleEnum, resolve: (member) => member.role }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account joined.' }),
  }),
});

export const OrganizationRef = builder.objectRef<OrganizationView>('Organization').implement({
  description: 'An organization the caller belongs to.',
  fields: (t) => ({
    id: t.exposeID('id'),
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    viewerRole: t.field({
      type: OrganizationRoleEnum,
      description: "The caller's own role in the organization.",
      resolve: (organization) => organization.viewerRole,
    }),
    members: t.field({
      type: [OrganizationMemberRef],
      description: 'Owners first, then admins, then members; by email.',
      authScopes: { permission: 'org-members:read' },
      resolve: (organization, _args, ctx) =>
        ctx.services.organizations.listMembers(ctx.em(), ctx.caller(), organization.id),
    }),
  }),
});

/** The organization an organization token belongs to (Token.organization). */
export const OrganizationSummaryRef = builder
  .objectRef<{ id: string; slug: string; name: string }>('OrganizationSummary')
  .implement({
    description: 'An organization named by an object that belongs to it.',
    fields: (t) => ({
      id: t.exposeID('id'),
      slug: t.exposeString('slug'),
      name: t.exposeString('name'),
    }),
  });

const CreateOrganizationInput = builder.inputType('CreateOrganizationInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1–100 characters.' }),
    slug: t.string({
      required: true,
      description: '3–40 lowercase letters, digits and hyphens; unique on the server.',
    }),
  }),
});

const AddOrganizationMemberInput = builder.inputType('AddOrganizationMemberInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    email: t.string({ required: true, description: 'The email of an existing account.' }),
    role: t.field({ type: OrganizationRoleEnum, required: true, description: 'Only owners add owners.' }),
  }),
});

const SetOrganizationMemberRoleInput = builder.inputType('SetOrganizationMemberRoleInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    accountId: t.id({ required: true }),
    role: t.field({ type: OrganizationRoleEnum, required: true }),
  }),
});

const RemoveOrganizationMemberInput = builder.inputType('RemoveOrganizationMemberInput', {
  fields: (t) => ({
    organizationId: t.id({ required: true }),
    accountId: t.id({ required: true, description: 'Your own account id to leave the organization.' }),
  }),
});

builder.queryFields((t) => ({
  organizations: t.field({
    type: [OrganizationRef],
    description: "The caller's organizations, by name.",
    authScopes: { permission: 'org:read' },
    resolve: (_parent, _args, ctx) => ctx.services.organizations.listOrganizations(ctx.em(), ctx.caller()),
  }),
  organization: t.field({
    type: OrganizationRef,
    nullable: true,
    description:
      "One of the caller's organizations; null for an unknown slug and another organization's alike.",
    authScopes: { permission: 'org:read' },
    args: { slug: t.arg.string({ required: true }) },
    resolve: (_parent, { slug }, ctx) =>
      ctx.services.organizations.findOrganizationBySlug(ctx.em(), ctx.caller(), slug),
  }),
}));

builder.mutationFields((t) => ({
  createOrganization: t.field({
    type: OrganizationRef,
    description: 'Creates an organization (needs the team plan); the caller becomes its owner.',
    authScopes: { permission: 'org:create' },
    args: { input: t.arg({ type: CreateOrganizationInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.organizations.createOrganization(ctx.em(), ctx.caller(), input),
  }),
  addOrganizationMember: t.field({
    type: OrganizationMemberRef,
    description: 'Adds an existing account by email. Owners and admins may; only owners add owners.',
    authScopes: { permission: 'org-members:manage' },
    args: { input: t.arg({ type: AddOrganizationMemberInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.organizations.addMember(ctx.em(), ctx.caller(), {
        ...input,
        organizationId: String(input.organizationId),
      }),
  }),
  setOrganizationMemberRole: t.field({
    type: OrganizationMemberRef,
    description:
      'Changes a member’s role. Owners and admins may; only owners make or unmake owners; the last owner stays.',
    authScopes: { permission: 'org-members:manage' },
    args: { input: t.arg({ type: SetOrganizationMemberRoleInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.organizations.setMemberRole(ctx.em(), ctx.caller(), {
        organizationId: String(input.organizationId),
        accountId: String(input.accountId),
        role: input.role,
      }),
  }),
  removeOrganizationMember: t.field({
    type: OrganizationMemberRef,
    description:
      'Removes a member (or, with your own account id, leaves); answers the membership as it was. Only owners remove owners; the last owner stays.',
    authScopes: { permission: 'org-members:manage' },
    args: { input: t.arg({ type: RemoveOrganizationMemberInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.organizations.removeMember(ctx.em(), ctx.caller(), {
        organizationId: String(input.organizationId),
        accountId: String(input.accountId),
      }),
  }),
}));
