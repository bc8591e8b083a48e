import { builder } from '../graphql/builder.js';
import { ViewerRef } from './accounts.graphql.js';

const UpdateAccountInput = builder.inputType('UpdateAccountInput', {
  fields: (t) => ({
    name: t.string({ description: '1 to 100 characters; omitted or null keeps the current name.' }),
  }),
});

const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  fields: (t) => ({
    currentPassword: t.string({ required: true }),
    newPassword: t.string({ required: true, description: 'At least 8 characters.' }),
  }),
});

builder.mutationFields((t) => ({
  updateAccount: t.field({
    type: ViewerRef,
    description: "Changes the caller's own account details (its name).",
    authScopes: { permission: 'account:update' },
    args: { input: t.arg({ type: UpdateAccountInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.accountSettings.updateAccount(ctx.em(), ctx.caller(), input),
  }),
  changePassword: t.field({
    type: ViewerRef,
    description:
      'Sets a new password, given the current one (web sessions only). Every other session and programmatic login ends.',
    authScopes: { sessionOnly: true },
    args: { input: t.arg({ type: ChangePasswordInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.accountSettings.changePassword(ctx.em(), ctx.caller(), input),
  }),
}));
