import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { builder, type GraphQLContext } from '../graphql/builder.js';
import { registerNode } from '../graphql/node.graphql.js';
import { afterCursor, connectionOf, pageCost, pageSize } from '../graphql/pagination.js';
import type { AuditActorType, AuditEvent } from './audit.entity.js';
import { actorKey, findVisibleAuditEvents, listAuditEvents, loadActorNames } from './audit.service.js';

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
    description: "The caller's audit history, newest first (admins: everyone's); optionally one token's.",
    authScopes: { permission: 'audit:read' },
    args: { tokenId: t.arg.id(), first: t.arg.int(), after: t.arg.string() },
    complexity: ({ first }) => ({ field: 1, multiplier: pageCost(first) }),
    resolve: async (_parent, args, ctx) => {
      const first = pageSize(args.first);
      const afterId = afterCursor('audit-events', args.after);
      if (ctx.principal.kind === 'anonymous') return connectionOf('audit-events', [], false);
      const page = await listAuditEvents(ctx.em(), {
        account: ctx.principal.account,
        tokenId: args.tokenId == null ? null : String(args.tokenId),
        first,
        afterId,
      });
      return connectionOf('audit-events', page.events, page.hasNextPage);
    },
  }),
);
