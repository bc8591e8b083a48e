import { builder } from '../graphql/builder.js';
import type { PermissionAction, PermissionResource } from './catalogue.js';
import { PERMISSION_PRESETS, presetsIncluding } from './presets.js';

export const PermissionPresetEnum = builder.enumType('PermissionPreset', {
  values: PERMISSION_PRESETS,
  description: 'ALL, READ_ONLY and CLI follow the catalogue as it grows; CUSTOM is a fixed list.',
});

const PermissionActionRef = builder.objectRef<PermissionAction>('PermissionAction').implement({
  description: 'One action of a resource; its permission string is `resource:action`.',
  fields: (t) => ({
    name: t.exposeString('name'),
    permission: t.exposeString('permission'),
    description: t.exposeString('description'),
    kind: t.exposeString('kind', { description: 'read or write.' }),
    cli: t.exposeBoolean('cli', { description: 'Part of the CLI preset.' }),
    adminOnly: t.boolean({
      description: 'Only admins may hold it; presets never give it to other accounts.',
      resolve: (action) => action.requires === 'admin',
    }),
    addedAt: t.field({
      type: 'DateTime',
      description:
        'When the action joined the catalogue; ALL, READ_ONLY and CLI tokens created earlier gained it (Token.presetDrift).',
      resolve: (action) => new Date(action.addedAt),
    }),
    presets: t.field({
      type: [PermissionPresetEnum],
      description:
        'The presets (never CUSTOM) that include this action today, so clients need not copy the preset rules.',
      resolve: (action, _args, ctx) => presetsIncluding(action.permission, ctx.services.catalogue),
    }),
  }),
});

const PermissionResourceRef = builder.objectRef<PermissionResource>('PermissionResource').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    actions: t.field({ type: [PermissionActionRef], resolve: (resource) => [...resource.actions] }),
  }),
});

builder.queryField('permissionCatalogue', (t) =>
  t.field({
    type: [PermissionResourceRef],
    description: 'Every resource and action a token can be granted, as of today.',
    authScopes: { public: true },
    resolve: (_parent, _args, ctx) => [...ctx.services.catalogue],
  }),
);
