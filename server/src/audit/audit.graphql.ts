import { Account } from '../accounts/accounts.entity.js';
import { builder } from '../graphql/builder.js';
import { registerNode } from '../graphql/node.graphql.js';
import { afterCursor, connectionOf, pageCost, pageSize } from '../graphql/pagination.js';
import { ApiToken } from '../tokens/tokens.entity.js';
import type { AuditActorType, AuditEvent } from './audit.entity.js';
import { findVisibleAuditEvents, listAuditEvents } from './audit.service.js';

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
      resolve: async (actor, _args, ctx) => {
        if (ctx.principal.kind === 'anonymous' || !actor.id) return null;
        const { account } = ctx.principal;
        if (actor.type === 'account') {
          if (actor.id === account.id) return account.name;
          if (account.role !== 'admin') return null;
          return (await ctx.em().findOne(Account, { id: actor.id }))?.name ?? null;
        }
        if (actor.type === 'token') {
          const scope = account.role === 'admin' ? { id: actor.id } : { id: actor.id, account: account.id };
          return (await ctx.em().findOne(ApiToken, scope))?.name ?? null;
        }
        return null;
      },
    }),
  }),
});

const AuditEventRef = builder.objectRef<AuditEvent>('AuditEvent').implement({
  description: 'One append-only audit record.',
  fields: (t) => ({
    id: t.exposeID('id'),
    action: t.exposeString('action', { description: 'resource.verb, e.g. token.revoke.' }),
    actor: t.field({
      type: AuditActorRef,
      resolve: (event) => ({ type: event.actorType, id: event.actorId }),
    }),
    targetId: t.exposeID('targetId', { nullable: true }),
    ip: t.exposeString('ip', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
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
