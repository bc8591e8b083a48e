import { startSession } from '../edge/session.js';
import { builder } from '../graphql/builder.js';
import { registerNode } from '../graphql/node.graphql.js';
import type { Account } from './accounts.entity.js';

export const ViewerRef = builder.objectRef<Account>('Viewer').implement({
  description: 'The account making the request.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    emailVerified: t.exposeBoolean('emailVerified'),
    plan: t.exposeString('plan', { description: 'free, pro or team. Pro components need pro or team.' }),
    role: t.exposeString('role', { description: 'member or admin.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

// Only the caller's own account is a Viewer; a token needs account:read, as for Query.viewer.
registerNode(ViewerRef, {
  permission: (ctx) => (ctx.principal.kind === 'token' ? 'account:read' : null),
  load: async (ctx, ids) =>
    ctx.principal.kind !== 'anonymous' && ids.includes(ctx.principal.account.id)
      ? [ctx.principal.account]
      : [],
});

const RegisterInput = builder.inputType('RegisterInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true, description: 'At least 8 characters.' }),
    name: t.string({ required: true }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    nullable: true,
    description: 'The account behind the session or token; null when anonymous.',
    // Anonymous callers get null; a token needs account:read to read its owner.
    authScopes: (_parent, _args, ctx) =>
      ctx.principal.kind === 'token' ? { permission: 'account:read' } : true,
    resolve: (_parent, _args, ctx) => (ctx.principal.kind === 'anonymous' ? null : ctx.principal.account),
  }),
);

builder.mutationFields((t) => ({
  register: t.field({
    type: ViewerRef,
    description: 'Creates an account, mails a verification link and logs the new account in.',
    authScopes: { public: true },
    args: { input: t.arg({ type: RegisterInput, required: true }) },
    resolve: async (_parent, { input }, ctx) => {
      await ctx.limit('register', ctx.ip ?? 'unknown');
      const account = await ctx.services.accounts.register(ctx.em(), input, ctx.origin, ctx.meta());
      await startSession(ctx, account);
      return account;
    },
  }),
  verifyEmail: t.field({
    type: ViewerRef,
    description: 'Confirms an email address with the single-use token from the verification mail.',
    authScopes: { public: true },
    args: { token: t.arg.string({ required: true }) },
    resolve: (_parent, { token }, ctx) => ctx.services.accounts.verifyEmail(ctx.em(), token, ctx.meta()),
  }),
  resendVerificationEmail: t.boolean({
    description:
      'Mails a new verification link (the previous one stops working). Limited per account (KEYWARD_LIMIT_RESEND_VERIFICATION).',
    authScopes: { sessionOnly: true },
    resolve: async (_parent, _args, ctx) => {
      if (ctx.principal.kind !== 'session') return false;
      await ctx.services.accounts.resendVerification(ctx.em(), ctx.principal.account, ctx.origin);
      return true;
    },
  }),
  requestPasswordReset: t.boolean({
    description: 'Mails a password-reset link when the account exists; answers true either way.',
    authScopes: { public: true },
    args: { email: t.arg.string({ required: true }) },
    resolve: async (_parent, { email }, ctx) => {
      await ctx.limit('password-reset', ctx.ip ?? 'unknown');
      await ctx.services.accounts.requestPasswordReset(ctx.em(), email, ctx.origin, ctx.meta());
      return true;
    },
  }),
  resetPassword: t.boolean({
    description: 'Sets a new password with the single-use token from the reset mail and ends every session.',
    authScopes: { public: true },
    args: { token: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: async (_parent, { token, password }, ctx) => {
      await ctx.services.accounts.resetPassword(ctx.em(), token, password, ctx.meta());
      return true;
    },
  }),
}));
