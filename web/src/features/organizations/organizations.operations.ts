import { queryOptions } from '@tanstack/react-query';
import { graphql, type ResultOf, request, type VariablesOf } from '../../lib/graphql';

/** What the switcher and every organization page know of an organization. */
export const OrganizationFields = graphql(`
  fragment OrganizationFields on Organization { id slug name viewerRole }
`);

export type Organization = ResultOf<typeof OrganizationFields>;
export type OrganizationRole = Organization['viewerRole'];

const MemberFields = graphql(`
  fragment MemberFields on OrganizationMember { account { id email name } role createdAt }
`);

export type Member = ResultOf<typeof MemberFields>;

const organizationsDocument = graphql(
  `
  query Organizations { organizations { ...OrganizationFields } }
`,
  [OrganizationFields],
);

const organizationDocument = graphql(
  `
  query Organization($slug: String!) { organization(slug: $slug) { ...OrganizationFields } }
`,
  [OrganizationFields],
);

const membersDocument = graphql(
  `
  query OrganizationMembers($slug: String!) {
    organization(slug: $slug) { id members { ...MemberFields } }
  }
`,
  [MemberFields],
);

export const createOrganizationMutation = graphql(
  `
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) { ...OrganizationFields }
  }
`,
  [OrganizationFields],
);

export type CreateOrganizationInput = VariablesOf<typeof createOrganizationMutation>['input'];

export const addMemberMutation = graphql(
  `
  mutation AddOrganizationMember($input: AddOrganizationMemberInput!) {
    addOrganizationMember(input: $input) { ...MemberFields }
  }
`,
  [MemberFields],
);

export type AddMemberInput = VariablesOf<typeof addMemberMutation>['input'];

export const setMemberRoleMutation = graphql(
  `
  mutation SetOrganizationMemberRole($input: SetOrganizationMemberRoleInput!) {
    setOrganizationMemberRole(input: $input) { ...MemberFields }
  }
`,
  [MemberFields],
);

export type SetMemberRoleInput = VariablesOf<typeof setMemberRoleMutation>['input'];

export const removeMemberMutation = graphql(
  `
  mutation RemoveOrganizationMember($input: RemoveOrganizationMemberInput!) {
    removeOrganizationMember(input: $input) { account { id } role }
  }
`,
);

export type RemoveMemberInput = VariablesOf<typeof removeMemberMutation>['input'];

/**
 * Cache keys: every organization query starts with `organizations`, so one invalidation after a
 * membership change reaches the switcher, the pages and the viewer's own role alike.
 */
export const organizationKeys = {
  all: ['organizations'] as const,
  list: ['organizations', 'list'] as const,
  detail: (slug: string) => ['organizations', 'detail', slug] as const,
  members: (slug: string) => ['organizations', 'members', slug] as const,
  policy: (slug: string) => ['organizations', 'policy', slug] as const,
  inventory: (slug: string) => ['organizations', 'inventory', slug] as const,
};

/** The viewer's organizations, by name (the switcher, the organizations page). */
export const organizationsQuery = queryOptions({
  queryKey: organizationKeys.list,
  queryFn: async () => (await request(organizationsDocument, {})).organizations,
});

/** One of the viewer's organizations; null for an unknown slug and another organization's alike. */
export const organizationQuery = (slug: string) =>
  queryOptions({
    queryKey: organizationKeys.detail(slug),
    queryFn: async () => (await request(organizationDocument, { slug })).organization,
  });

/** Owners first, then admins, then members, by email (the server's order). */
export const membersQuery = (slug: string) =>
  queryOptions({
    queryKey: organizationKeys.members(slug),
    queryFn: async () => (await request(membersDocument, { slug })).organization?.members ?? null,
  });

/** An organization's token policy; any member may read it. */
export const PolicyFields = graphql(`
  fragment PolicyFields on OrganizationPolicy {
    maxLifetimeDays requireExpiry allowedPresets deactivateAfterDays expiryReminders
  }
`);

export type OrganizationPolicy = ResultOf<typeof PolicyFields>;

const policyDocument = graphql(
  `
  query OrganizationPolicy($slug: String!) { organization(slug: $slug) { id policy { ...PolicyFields } } }
`,
  [PolicyFields],
);

export const setPolicyMutation = graphql(
  `
  mutation SetOrganizationPolicy($input: SetOrganizationPolicyInput!) {
    setOrganizationPolicy(input: $input) { id policy { ...PolicyFields } }
  }
`,
  [PolicyFields],
);

export type SetPolicyInput = VariablesOf<typeof setPolicyMutation>['input'];

/** The policy of one of the viewer's organizations; null when it is not one of theirs (any more). */
export const policyQuery = (slug: string) =>
  queryOptions({
    queryKey: organizationKeys.policy(slug),
    queryFn: async () => (await request(policyDocument, { slug })).organization?.policy ?? null,
  });
