import { GraphQLError } from 'graphql';
import { type ErrorCode, errorCatalogue, KeywardError } from '../errors.js';

/**
 * Codes that change the HTTP status of a GraphQL response: refusals of the request as a whole
 * (limits, CSRF, the plan) rather than of one field's object. Other expected errors answer 200
 * with `errors[].extensions.code`, as GraphQL clients expect (and browsers then log no failed
 * request). When several errors carry a status, Yoga answers the highest.
 */
const STATUS_CODES: ReadonlySet<ErrorCode> = new Set([
  'rate_limit_exceeded',
  'service_unavailable',
  'csrf_failed',
  'payload_too_large',
  'query_too_complex',
  'plan_upgrade_required',
]);

/**
 * The GraphQL form of an expected error: UPPER_SNAKE code, and the HTTP status and headers Yoga
 * should use. `at`, the error graphql-js raised for it, gives it its `path`, `locations` and
 * wording (graphql-js prefixes a variable's coercion failure with the variable and its value).
 */
export function toGraphQLError(error: KeywardError, at?: GraphQLError): GraphQLError {
  const status = STATUS_CODES.has(error.code) ? error.status : undefined;
  return new GraphQLError(at?.message ?? error.message, {
    nodes: at?.nodes,
    source: at?.source,
    positions: at?.positions,
    path: at?.path,
    extensions: {
      code: error.graphqlCode,
      ...(error.field ? { field: error.field } : {}),
      http: { ...(status ? { status } : {}), headers: error.headers },
    },
  });
}

export function graphQLError(code: ErrorCode, message?: string): GraphQLError {
  return toGraphQLError(new KeywardError(code, message ?? errorCatalogue[code].message));
}

/** A query refused before running for costing more than the limit: HTTP 400, code QUERY_TOO_COMPLEX. */
export function queryTooComplexError(cost: number, maxCost: number): GraphQLError {
  return toGraphQLError(
    new KeywardError(
      'query_too_complex',
      `The query costs ${cost}, more than the limit of ${maxCost}: ask for smaller pages (first) or fewer days (usage).`,
    ),
  );
}
