import { ViewerRef } from '../accounts/accounts.graphql.js';
import { endSession, startSession } from '../edge/session.js';
import { builder } from '../graphql/builder.js';

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

builder.mutationFields((t) => ({
  login: t.field({
    type: ViewerRef,
    description: 'Checks email and password and sets a new session cookie.',
    authScopes: { public: true },
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: async (_parent, { input }, ctx) => {
      // Every attempt counts, whatever its outcome: aliases cannot multiply attempts.
      await ctx.limit('login', ctx.ip ?? 'unknown');
      const account = await ctx.services.accounts.authenticate(ctx.em(), input.email, input.password, {
        meta: ctx.meta(),
        via: 'web',
      });
      await startSession(ctx, account);
      return account;
    },
  }),
  logout: t.boolean({
    description: 'Ends the current web session (true even when there was none).',
    authScopes: { public: true },
    resolve: async (_parent, _args, ctx) => {
      await endSession(ctx);
      return true;
    },
  }),
}));
