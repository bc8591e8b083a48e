import { ViewerRef } from '../accounts/accounts.graphql.js';
import { endSession, startSession } from '../edge/session.js';
import { builder } from '../graphql/builder.js';
import type { SessionSummary } from './sessions.service.js';

const WebSessionRef = builder.objectRef<SessionSummary>('WebSession').implement({
  description: 'One of your web sessions (a browser where you are logged in).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Opaque; pass it to endSession.' }),
    current: t.exposeBoolean('current', { description: 'True for the session making this request.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    ip: t.exposeString('ip', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
  }),
});

builder.objectField(ViewerRef, 'sessions', (t) =>
  t.field({
    type: [WebSessionRef],
    description: 'Your live web sessions, most recently used first (web sessions only).',
    authScopes: { sessionOnly: true },
    resolve: (_account, _args, ctx) => ctx.services.sessions.listOwn(ctx.em(), ctx.caller()),
  }),
);

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
  endSession: t.boolean({
    description: 'Ends one of your web sessions (see Viewer.sessions); another account’s id is NOT_FOUND.',
    authScopes: { sessionOnly: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_parent, { id }, ctx) => {
      await ctx.services.sessions.endOwn(ctx.em(), ctx.caller(), String(id));
      return true;
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
