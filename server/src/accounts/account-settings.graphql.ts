import { builder } from '../graphql/builder.js';
import type { AccountSettings } from './account-settings.service.js';
import { ViewerRef } from './accounts.graphql.js';

const AccountSettingsRef = builder.objectRef<AccountSettings>('AccountSettings').implement({
  description: "The account's settings for scheduled jobs (inactivity deactivation, expiry reminders).",
  fields: (t) => ({
    deactivateAfterDays: t.exposeInt('deactivateAfterDays', {
      nullable: true,
      description:
        'Tokens unused for this many days (never-used ones: since creation) become inactive, once a day; null: never (the default).',
    }),
    expiryReminders: t.exposeBoolean('expiryReminders', {
      description: 'Whether a daily digest mail lists tokens about to expire (default true).',
    }),
  }),
});

builder.objectField(ViewerRef, 'settings', (t) =>
  t.field({
    type: AccountSettingsRef,
    resolve: (account, _args, ctx) => ctx.services.accountSettings.settings(ctx.em(), account.id),
  }),
);

const UpdateAccountSettingsInput = builder.inputType('UpdateAccountSettingsInput', {
  description: 'Omitted fields keep their value.',
  fields: (t) => ({
    deactivateAfterDays: t.int({
      description: '30–730 days, or null to never deactivate unused tokens.',
    }),
    expiryReminders: t.boolean({ description: 'false stops the expiry-reminder digests for every token.' }),
  }),
});

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
  updateAccountSettings: t.field({
    type: ViewerRef,
    description:
      "Changes the caller's settings for scheduled jobs (read them back as Viewer.settings). VALIDATION_FAILED names a bad field; nothing changes then.",
    authScopes: { permission: 'account:update' },
    args: { input: t.arg({ type: UpdateAccountSettingsInput, required: true }) },
    resolve: (_parent, { input }, ctx) =>
      ctx.services.accountSettings.updateSettings(ctx.em(), ctx.caller(), input),
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
