import { queryOptions } from '@tanstack/react-query';
import { graphql, type ResultOf, request } from '../../lib/graphql';
import { ViewerFields } from '../../lib/viewer';

export const updateAccountMutation = graphql(
  `
  mutation UpdateAccount($name: String!) { updateAccount(input: { name: $name }) { ...ViewerFields } }
`,
  [ViewerFields],
);

export const changePasswordMutation = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(input: { currentPassword: $currentPassword, newPassword: $newPassword }) { id }
  }
`);

const sessionsDocument = graphql(`
  query Sessions { viewer { sessions { id current createdAt lastSeenAt ip userAgent } } }
`);

export type WebSession = NonNullable<ResultOf<typeof sessionsDocument>['viewer']>['sessions'][number];

export const endSessionMutation = graphql('mutation EndSession($id: ID!) { endSession(id: $id) }');

export const sessionKeys = { all: ['sessions'] as const };

/** The viewer's web sessions, most recently used first. */
export const sessionsQuery = queryOptions({
  queryKey: sessionKeys.all,
  queryFn: () => request(sessionsDocument, {}),
});
