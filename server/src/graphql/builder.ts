import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { type AuthFailure, AuthScopeFailureType } from '@pothos/plugin-scope-auth';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { RequestContext } from '../edge/context.js';
import { KeywardError } from '../errors.js';
import { can, permissionDenied } from '../permissions/can.js';
import { graphQLError, toGraphQLError } from './errors.js';

export type GraphQLContext = RequestContext;

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

/**
 * Maps a scope-auth denial to Keyward's codes with the same rule the edge applies to routes
 * (permissions/can.ts): who you are decides the code, and the missing permission is named.
 */
export function authorizationError(context: GraphQLContext, failure: AuthFailure): GraphQLError {
  const { principal } = context;
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
  plugins: [ScopeAuthPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      public: true,
      loggedIn: context.principal.kind !== 'anonymous',
      sessionOnly: context.principal.kind === 'session',
      admin: context.principal.kind !== 'anonymous' && context.principal.account.role === 'admin',
      permission: (permission) => can(context.principal, permission),
    }),
    unauthorizedError: (_parent, context, _info, result) => authorizationError(context, result.failure),
  },
  relay: {
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: false,
  },
});

builder.addScalarType('DateTime', DateTimeScalar);
builder.queryType({});
builder.mutationType({});
