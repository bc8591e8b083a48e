import { operation } from '../../lib/graphql';
import { VIEWER_FIELDS, type Viewer } from '../../lib/viewer';

export type WebSession = {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  ip: string | null;
  userAgent: string | null;
};

export const updateAccountMutation = operation<{ updateAccount: Viewer }, { name: string }>(
  `mutation UpdateAccount($name: String!) { updateAccount(input: { name: $name }) { ${VIEWER_FIELDS} } }`,
);

export const changePasswordMutation = operation<
  { changePassword: { id: string } },
  { currentPassword: string; newPassword: string }
>(`mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
  changePassword(input: { currentPassword: $currentPassword, newPassword: $newPassword }) { id }
}`);

export const sessionsQuery = operation<{ viewer: { sessions: WebSession[] } | null }>(
  'query Sessions { viewer { sessions { id current createdAt lastSeenAt ip userAgent } } }',
);

export const endSessionMutation = operation<{ endSession: boolean }, { id: string }>(
  'mutation EndSession($id: ID!) { endSession(id: $id) }',
);
