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
