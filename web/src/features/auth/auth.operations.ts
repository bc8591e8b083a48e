import { operation } from '../../lib/graphql';
import { VIEWER_FIELDS, type Viewer } from '../../lib/viewer';

export const loginMutation = operation<{ login: Viewer }, { input: { email: string; password: string } }>(
  `mutation Login($input: LoginInput!) { login(input: $input) { ${VIEWER_FIELDS} } }`,
);

export const registerMutation = operation<
  { register: Viewer },
  { input: { email: string; password: string; name: string } }
>(`mutation Register($input: RegisterInput!) { register(input: $input) { ${VIEWER_FIELDS} } }`);

export const logoutMutation = operation<{ logout: boolean }>('mutation Logout { logout }');

export const verifyEmailMutation = operation<{ verifyEmail: Viewer }, { token: string }>(
  `mutation VerifyEmail($token: String!) { verifyEmail(token: $token) { ${VIEWER_FIELDS} } }`,
);

export const resendVerificationEmailMutation = operation<{ resendVerificationEmail: boolean }>(
  'mutation ResendVerificationEmail { resendVerificationEmail }',
);

export const requestPasswordResetMutation = operation<{ requestPasswordReset: boolean }, { email: string }>(
  'mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }',
);

export const resetPasswordMutation = operation<
  { resetPassword: boolean },
  { token: string; password: string }
>(
  'mutation ResetPassword($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }',
);
