import type { ObjectRef } from '@pothos/core';
import { AuthScopeFailureType } from '@pothos/plugin-scope-auth';
import type { GraphQLError } from 'graphql';
import { validationError } from '../errors.js';
import { can } from '../permissions/can.js';
import { authorizationError, builder, type GraphQLContext, nodeTypenames } from './builder.js';
import { decodeGlobalId } from './opaque-id.js';

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

const MAX_NODES = 100;

/** How `node`/`nodes` load one type: exactly as strict as that type's own query fields. */
export interface NodeSource<T extends { id: string }> {
  /** The permission the caller needs for this type, or null when none (mirrors the fields' authScopes). */
  permission(ctx: GraphQLContext): string | null;
  /** Those of `ids` the caller may see, in any order; anything else (another account's, unknown) is left out. */
  load(ctx: GraphQLContext, ids: readonly string[]): Promise<readonly T[]>;
}

const sources = new Map<string, NodeSource<{ id: string }>>();

/** Makes an object type a Relay Node: a `nodeId` field and a place in `node`/`nodes`. */
export function registerNode<T extends { id: string }>(
  ref: ObjectRef<BuilderTypes, T>,
  source: NodeSource<T>,
): void {
  builder.nodeRef<T, string, ObjectRef<BuilderTypes, T>>(ref, { id: { resolve: (object) => object.id } });
  sources.set(ref.name, source);
}

function permissionError(ctx: GraphQLContext, permission: string | null): GraphQLError | null {
  if (permission === null || can(ctx.principal, permission)) return null;
  return authorizationError(ctx, {
    kind: AuthScopeFailureType.AuthScope,
    scope: 'permission',
    parameter: permission,
    error: null,
  });
}

/**
 * The objects behind global ids, in order: null for malformed, unknown, other accounts' ids; a
 * permission error in the place of each id of a type the caller may not read. One load per type.
 */
async function resolveNodes(ctx: GraphQLContext, globalIds: readonly string[]): Promise<unknown[]> {
  const decoded = globalIds.map(decodeGlobalId);
  const idsByType = new Map<string, Set<string>>();
  for (const entry of decoded) {
    if (entry && sources.has(entry.typename)) {
      const ids = idsByType.get(entry.typename) ?? new Set();
      idsByType.set(entry.typename, ids.add(entry.id));
    }
  }
  const loaded = new Map<string, Map<string, object> | GraphQLError>();
  await Promise.all(
    [...idsByType].map(async ([typename, ids]) => {
      const source = sources.get(typename)!;
      const denied = permissionError(ctx, source.permission(ctx));
      if (denied) return void loaded.set(typename, denied);
      const objects = await source.load(ctx, [...ids]);
      for (const object of objects) nodeTypenames(ctx).set(object, typename);
      loaded.set(typename, new Map(objects.map((object) => [object.id, object])));
    }),
  );
  return decoded.map((entry) => {
    const found = entry && loaded.get(entry.typename);
    if (!entry || !found) return null;
    return found instanceof Map ? (found.get(entry.id) ?? null) : found;
  });
}

builder.queryFields((t) => ({
  node: t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description:
      "An object by its nodeId; null for malformed or unknown ids and other accounts' objects alike.",
    authScopes: { loggedIn: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const [node] = await resolveNodes(ctx, [String(id)]);
      if (node instanceof Error) throw node;
      return node;
    },
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: `Objects by nodeId (at most ${MAX_NODES}), in order; each entry answers as node(id) would.`,
    authScopes: { loggedIn: true },
    args: { ids: t.arg.idList({ required: true }) },
    complexity: ({ ids }) => ({ field: 1, multiplier: Math.min(ids.length, MAX_NODES) }),
    resolve: (_root, { ids }, ctx) => {
      if (ids.length > MAX_NODES) throw validationError('ids', `pass at most ${MAX_NODES} ids.`);
      // A permission error takes the place of its entry only: graphql-js reports an Error list item at its path.
      return resolveNodes(ctx, ids.map(String));
    },
  }),
}));
