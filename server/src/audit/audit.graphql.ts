import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { validationError } from '../errors.js';
import { builder, type GraphQLContext } from '../graphql/builder.js';
import { registerNode } from '../graphql/node.graphql.js';
import { afterCursor, connectionOf, pageCost, pageSize } from '../graphql/pagination.js';
import type { AuditActorType, AuditEvent } from './audit.entity.js';
import { actorKey, findVisibleAuditEvents, listAuditEvents, loadActorNames } from './audit.service.js';

/** `resource.verb` or `resource.*`, in the lowercase words actions use. */
const ACTION_FILTER = /^[a-z][a-z_]{0,40}\.([a-z][a-z_]{0,40}|\*)$/;

/** Actor names for one request, batched: a page of events costs one query per actor type, not one per row. */
const actorNames = createContextCache(
  (ctx: GraphQLContext) =>
    new DataLoader<{ type: string; id: string }, string | null, string>(
      async (actors) => {
        if (ctx.principal.kind === 'anonymous') return actors.map(() => null);
        const names = await loadActorNames(ctx.em(), ctx.principal.account, actors);
        return actors.map((actor) => names.get(actorKey(actor)) ?? null);
      },
      { cacheKeyFn: actorKey },
    ),
);

export interface AuditActorShape {
  type: AuditActorType | string;
  id: string | null;
}

export const AuditActorRef = builder.objectRef<AuditActorShape>('AuditActor').implement({
  description: 'Who did something: an account, a token, a leak report or the system.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'account, token, leak-report or system.' }),
    id: t.exposeID('id', { nullable: true }),
    name: t.string({
      nullable: true,
      description: "The account's or token's name, when it still exists and is the caller's.",
      resolve: (actor, _args, ctx) =>
        actor.id && (actor.type === 'account' || actor.type === 'token')
          ? actorNames(ctx).load({ type: actor.type, id: actor.id })
          : null,
    }),
  }),
});

/** What an event is about: a token, or the account itself (its sessions, password, name). */
const AuditTargetRef = builder.objectRef<AuditActorShape>('AuditTarget').implement({
  description: 'What an audit event is about.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'token, account or other.' }),
    id: t.exposeID('id', { nullable: true }),
    name: t.string({
      nullable: true,
      description: "The token's or account's name, when it still exists and the caller may see it.",
      resolve: (target, _args, ctx) =>
        target.id && (target.type === 'account' || target.type === 'token')
          ? actorNames(ctx).load({ type: target.type, id: target.id })
          : null,
    }),
  }),
});

/** The kind of thing an event's target id names: the account itself, a token, or something else. */
function targetOf(event: AuditEvent): AuditActorShape | null {
  if (event.targetId === null) return null;
  if (event.targetId === event.accountId) return { type: 'account', id: event.targetId };
  if (event.action.startsWith('token.')) return { type: 'token', id: event.targetId };
  return { type: 'other', id: event.targetId };
}

const AuditEventRef = builder.objectRef<AuditEvent>('AuditEvent').implement({
  description: 'One append-only audit record.',
  fields: (t) => ({
    id: t.exposeID('id'),
    action: t.exposeString('action', {
      description: 'resource.verb, e.g. token.revoke, session.login, account.password_reset.',
    }),
    actor: t.field({
      type: AuditActorRef,
      resolve: (event) => ({ type: event.actorType, id: event.actorId }),
    }),
    targetId: t.exposeID('targetId', { nullable: true }),
    target: t.field({ type: AuditTargetRef, nullable: true, resolve: targetOf }),
    ip: t.exposeString('ip', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    detail: t.exposeString('detail', {
      nullable: true,
      description: 'A short note, e.g. why a login failed (wrong_password, unknown_email, throttled).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

registerNode(AuditEventRef, {
  permission: () => 'audit:read',
  load: (ctx, ids) =>
    ctx.principal.kind === 'anonymous'
      ? Promise.resolve([])
      : findVisibleAuditEvents(ctx.em(), ctx.principal.account, ids),
});

const AuditEventConnection = builder.connectionObject(
  { type: AuditEventRef, name: 'AuditEventConnection' },
  { name: 'AuditEventEdge' },
);

builder.queryField('auditEvents', (t) =>
  t.field({
    type: AuditEventConnection,
    description:
      "The caller's audit history, newest first (admins: everyone's); optionally about one token, or of one action.",
    authScopes: { permission: 'audit:read' },
    args: {
      tokenId: t.arg.id({ description: 'Only events about this token (another account’s: none).' }),
      action: t.arg.string({
        description: 'Only this action (`token.revoke`), or every action of a resource (`token.*`).',
      }),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    complexity: ({ first }) => ({ field: 1, multiplier: pageCost(first) }),
    resolve: async (_parent, args, ctx) => {
      const first = pageSize(args.first);
      if (args.action != null && !ACTION_FILTER.test(args.action))
        throw validationError(
          'action',
          'use an action such as token.revoke, or a resource and .* such as token.*.',
        );
      const afterId = afterCursor('audit-events', args.after);
      if (ctx.principal.kind === 'anonymous') return connectionOf('audit-events', [], false);
      const page = await listAuditEvents(ctx.em(), {
        account: ctx.principal.account,
        tokenId: args.tokenId == null ? null : String(args.tokenId),
        action: args.action,
        first,
        afterId,
      });
      return connectionOf('audit-events', page.events, page.hasNextPage);
    },
  }),
);
