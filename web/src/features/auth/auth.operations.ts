import { queryOptions } from '@tanstack/react-query';
import { graphql, request } from '../../lib/graphql';
import { ViewerFields } from '../../lib/viewer';

export const loginMutation = graphql(
  `
  mutation Login($input: LoginInput!) { login(input: $input) { ...ViewerFields } }
`,
  [ViewerFields],
);

export const registerMutation = graphql(
  `
  mutation Register($input: RegisterInput!) { register(input: $input) { ...ViewerFields } }
`,
  [ViewerFields],
);

export const logoutMutation = graphql('mutation Logout { logout }');

export const verifyEmailMutation = graphql(
  `
  mutation VerifyEmail($token: String!) { verifyEmail(token: $token) { ...ViewerFields } }
`,
  [ViewerFields],
);

export const resendVerificationEmailMutation = graphql(
  'mutation ResendVerificationEmail { resendVerificationEmail }',
);

export const requestPasswordResetMutation = graphql(
  'mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }',
);

export const resetPasswordMutation = graphql(
  'mutation ResetPassword($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }',
);

const signInOptionsDocument = graphql(`
  query SignInOptions { signInOptions { oidc { label startUrl } } }
`);

/** How else the login page can sign people in (OpenID Connect when the server is configured for it). */
export const signInOptionsQuery = queryOptions({
  queryKey: ['signInOptions'] as const,
  queryFn: async () => (await request(signInOptionsDocument, {})).signInOptions,
  staleTime: 5 * 60_000,
});
