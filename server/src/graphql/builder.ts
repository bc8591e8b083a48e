import SchemaBuilder, { createContextCache } from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { type AuthFailure, AuthScopeFailureType } from '@pothos/plugin-scope-auth';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { RequestContext } from '../edge/context.js';
import { KeywardError } from '../errors.js';
import { can, permissionDenied } from '../permissions/can.js';
import { graphQLError, queryTooComplexError, toGraphQLError } from './errors.js';
import { decodeGlobalId, encodeGlobalId } from './opaque-id.js';
import { plainTextArgumentsPlugin } from './plain-text-arguments.js';

export type GraphQLContext = RequestContext;

/**
 * The most a query may cost: each field costs 1, and a list field multiplies what it selects by
 * its length (connections by `first`, default 20; `Token.usage` by `days`; other lists by 10).
 * The web app's largest query (50 tokens) costs under 1,000 and the CLI's (100 tokens) under
 * 2,000; 100 tokens with a year of daily usage each costs over 70,000.
 */
export const MAX_QUERY_COST = 20_000;

/** Permissions a failed scope check was missing, so the error can name them. */
function missingPermissions(failure: AuthFailure): string[] {
  switch (failure.kind) {
    case AuthScopeFailureType.AuthScope:
      return failure.scope === 'permission' ? [String(failure.parameter)] : [];
    case AuthScopeFailureType.AnyAuthScopes:
    case AuthScopeFailureType.AllAuthScopes:
      return failure.failures.flatMap(missingPermissions);
    default:
      return [];
  }
}

function failedScopes(failure: AuthFailure): string[] {
  switch (failure.kind) {
    case AuthScopeFailureType.AuthScope:
      return [failure.scope];
    case AuthScopeFailureType.AnyAuthScopes:
    case AuthScopeFailureType.AllAuthScopes:
      return failure.failures.flatMap(failedScopes);
    default:
      return [];
  }
}

/** Operations whose token use already moved from allowed to denied (one request counts once). */
const deniedOperations = new WeakSet<GraphQLContext>();

/** An API token refused a field or an operation: its use, recorded as allowed by the edge, counts as denied. */
export function countDenied(context: GraphQLContext): void {
  const { principal } = context;
  if (principal.kind !== 'token' || deniedOperations.has(context)) return;
  deniedOperations.add(context);
  context.services.usage.reclassify(principal.token.id, context.ip);
}

/**
 * Maps a scope-auth denial to Keyward's codes with the same rule the edge applies to routes
 * (permissions/can.ts): who you are decides the code, and the missing permission is named.
 */
export function authorizationError(context: GraphQLContext, failure: AuthFailure): GraphQLError {
  const { principal } = context;
  countDenied(context);
  const missing = missingPermissions(failure);
  if (missing.length > 0) return toGraphQLError(permissionDenied(principal, missing));
  if (principal.kind === 'anonymous') return graphQLError('unauthenticated');
  if (principal.kind === 'token' && failedScopes(failure).includes('sessionOnly')) {
    return graphQLError(
      'insufficient_scope',
      'This operation needs a web session; API tokens cannot use it.',
    );
  }
  return graphQLError('forbidden');
}

const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in ISO-8601 form with a time zone, e.g. 2026-01-31T12:00:00.000Z.',
  serialize: (value) => {
    if (value instanceof Date) return value.toISOString();
    throw new TypeError('DateTime cannot represent a non-Date value');
  },
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string.');
    return parseDateTime(ast.value);
  },
});

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    throw new KeywardError(
      'validation_failed',
      'DateTime must be an ISO-8601 string such as 2026-01-31T12:00:00Z.',
    );
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new KeywardError('validation_failed', `"${value}" is not a valid date.`);
  return date;
}

/** The Node type of each object that `node`/`nodes` resolved in a request (no brand is written on shared objects). */
export const nodeTypenames = createContextCache((_context: GraphQLContext) => new WeakMap<object, string>());

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: {
    /** Anyone, explicitly: every field declares who may use it. */
    public: boolean;
    loggedIn: boolean;
    sessionOnly: boolean;
    admin: boolean;
    permission: string;
  };
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  plugins: [ScopeAuthPlugin, plainTextArgumentsPlugin, RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      public: true,
      loggedIn: context.principal.kind !== 'anonymous',
      sessionOnly: context.principal.kind === 'session',
      admin: context.principal.kind !== 'anonymous' && context.principal.account.role === 'admin',
      permission: (permission) => {
        const granted = can(context.principal, permission);
        // Scope results are cached per request, so a permission counts once per operation.
        if (granted && context.principal.kind === 'token')
          context.services.usage.exercised(context.principal.token.id, permission);
        return granted;
      },
    }),
    unauthorizedError: (_parent, context, _info, result) => authorizationError(context, result.failure),
  },
  relay: {
    // A connection's own cost multiplier (its page size) already counts every edge.
    edgesFieldOptions: { nullable: { list: false, items: false }, complexity: { field: 1, multiplier: 1 } },
    nodeFieldOptions: { nullable: false },
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: false,
    // `id` stays each object's UUID, which every argument and REST route takes; the Relay global id
    // is `nodeId` (Relay clients: nodeInterfaceIdField "nodeId").
    idFieldName: 'nodeId',
    idFieldOptions: { description: 'Opaque global id, for Query.node and Query.nodes.' },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, String(id)),
    // Global ids are decoded by node/nodes themselves, which answer null for a malformed one.
    decodeGlobalID: (globalId) => decodeGlobalId(globalId) ?? { typename: '', id: '' },
    nodeTypeOptions: {
      description: 'An object that can be fetched again by its opaque nodeId (Query.node, Query.nodes).',
      resolveType: (value, context) => (isObject(value) ? nodeTypenames(context).get(value) : undefined),
    },
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { complexity: MAX_QUERY_COST },
    complexityError: (_kind, result) => queryTooComplexError(result.complexity, MAX_QUERY_COST),
  },
});

builder.addScalarType('DateTime', DateTimeScalar);
builder.queryType({});
builder.mutationType({});
