import { validationError } from '../errors.js';
import { builder } from '../graphql/builder.js';
import { afterCursor, connectionOf, pageCost, pageSize } from '../graphql/pagination.js';
import { type Account, PLANS, type Plan, ROLES, type Role } from './accounts.entity.js';

const MAX_EMAIL_FILTER = 254;

const upper = <T extends string>(values: readonly T[]) => values.map((value) => value.toUpperCase());

const AccountPlanEnum = builder.enumType('AccountPlan', {
  description: 'FREE, PRO or TEAM. PRO and TEAM unlock Pro components; TEAM adds organizations.',
  values: upper(PLANS) as ['FREE', 'PRO', 'TEAM'],
});

const AccountRoleEnum = builder.enumType('AccountRole', {
  description: 'The site role: ADMIN oversees every account.',
  values: upper(ROLES) as ['MEMBER', 'ADMIN'],
});

const AdminAccountRef = builder.objectRef<Account>('AdminAccount').implement({
  description: 'Any account on the server, as site admins see it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    emailVerified: t.exposeBoolean('emailVerified'),
    plan: t.field({ type: AccountPlanEnum, resolve: (account) => account.plan.toUpperCase() as 'FREE' }),
    role: t.field({ type: AccountRoleEnum, resolve: (account) => account.role.toUpperCase() as 'MEMBER' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AdminAccountConnection = builder.connectionObject(
  { type: AdminAccountRef, name: 'AdminAccountConnection' },
  { name: 'AdminAccountEdge' },
);

const AdminAccountFilter = builder.inputType('AdminAccountFilter', {
  fields: (t) => ({
    email: t.string({ description: 'Part of the email address, case-insensitive.' }),
  }),
});

const AdminSetAccountPlanInput = builder.inputType('AdminSetAccountPlanInput', {
  fields: (t) => ({
    accountId: t.id({ required: true }),
    plan: t.field({ type: AccountPlanEnum, required: true }),
  }),
});

const AdminSetAccountRoleInput = builder.inputType('AdminSetAccountRoleInput', {
  fields: (t) => ({
    accountId: t.id({ required: true }),
    role: t.field({ type: AccountRoleEnum, required: true }),
  }),
});

builder.queryField('adminAccounts', (t) =>
  t.field({
    type: AdminAccountConnection,
    description: 'Every account on the server, by email (site admins).',
    authScopes: { permission: 'admin-accounts:read' },
    args: { first: t.arg.int(), after: t.arg.string(), filter: t.arg({ type: AdminAccountFilter }) },
    complexity: ({ first }) => ({ field: 1, multiplier: pageCost(first) }),
    resolve: async (_parent, args, ctx) => {
      const email = args.filter?.email;
      if (email && email.length > MAX_EMAIL_FILTER)
        throw validationError('filter.email', `use at most ${MAX_EMAIL_FILTER} characters.`);
      const page = await ctx.services.accountAdmin.listAccounts(ctx.em(), ctx.caller(), {
        email,
        first: pageSize(args.first),
        afterId: afterCursor('accounts', args.after),
      });
      return connectionOf('accounts', page.accounts, page.hasNextPage);
    },
  }),
);

builder.mutationFields((t) => ({
  adminSetAccountPlan: t.field({
    type: AdminAccountRef,
    description: "Sets an account's plan (site admins); its tokens follow on the next request.",
    authScopes: { permission: 'admin-accounts:manage' },
    args: { input: t.arg({ type: AdminSetAccountPlanInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.accountAdmin.setPlan(
        ctx.em(),
        ctx.caller(),
        String(input.accountId),
        input.plan.toLowerCase() as Plan,
      ),
  }),
  adminSetAccountRole: t.field({
    type: AdminAccountRef,
    description: "Sets an account's site role (site admins). The server keeps at least one admin.",
    authScopes: { permission: 'admin-accounts:manage' },
    args: { input: t.arg({ type: AdminSetAccountRoleInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.accountAdmin.setRole(
        ctx.em(),
        ctx.caller(),
        String(input.accountId),
        input.role.toLowerCase() as Role,
      ),
  }),
}));
