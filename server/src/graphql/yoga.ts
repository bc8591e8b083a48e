import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, getOperationAST, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { RequestContext } from '../edge/context.js';
import { isKeywardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { planKeepsReadOnly, planUpgradeRequired } from '../permissions/can.js';
import { countDenied } from './builder.js';
import { graphQLError, toGraphQLError } from './errors.js';
import {
  armorLimits,
  asRequestError,
  located,
  useRequestErrorCode,
  useSearchParamsParser,
} from './request-errors.js';
import { schema } from './schema.js';

/** Cookie-authenticated mutations must prove they are not cross-site (the edge computed `csrfOk`). */
function useCsrfCheck(): Plugin<RequestContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue;
      if (ctx.principal.kind !== 'session' || ctx.csrfOk) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation === 'mutation')
        setResultAndStopExecution({ errors: [graphQLError('csrf_failed')] });
    },
  };
}

/**
 * A free account's API token only reads (permissions/presets.ts, `planCapsToken`): a mutation it
 * sends is refused as a whole before any field runs, with HTTP 403 PLAN_UPGRADE_REQUIRED, and
 * counts as a denied use. Checked on the operation the request selects, after parsing and
 * validation, on the direct path and through Yoga alike. REST writes are refused by the edge.
 */
function usePlanCheck(): Plugin<RequestContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue;
      if (!planKeepsReadOnly(ctx.principal)) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      countDenied(ctx);
      setResultAndStopExecution({ errors: [toGraphQLError(planUpgradeRequired())] });
    },
  };
}

function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** The innermost cause of an error: graphql-js wraps what a resolver or a scalar throws. */
function rootCause(error: GraphQLError): unknown {
  let cause: unknown = error;
  while (cause instanceof GraphQLError && cause.originalError !== undefined) cause = cause.originalError;
  return cause;
}

/**
 * Expected errors keep their code (UPPER_SNAKE) and HTTP status; GraphQL's own errors pass, in
 * graphql-js's whole wording (e.g. `Variable "$f" got invalid value …; <the scalar's reason>`);
 * anything else is logged with the request id and masked. An error raised in a resolver keeps its
 * `path` and `locations`, masked or not. In production, Yoga's request errors lose
 * `extensions.originalError` (the JSON parser's own words about an invalid body).
 */
function maskError(logger: Logger, production: boolean) {
  return (error: unknown): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      const cause = rootCause(error);
      if (isKeywardError(cause)) {
        const coded = toGraphQLError(cause, error);
        // Raised outside any field (a variable its scalar refuses): the request itself is refused.
        return error.path === undefined ? asRequestError(coded) : coded;
      }
      if (original === undefined) return production ? withoutInternals(error) : error;
      if (original instanceof GraphQLError) {
        return cause === original ? error : located(error, { extensions: error.extensions });
      }
      logger.error({ err: original, path: error.path }, 'unexpected error in a resolver');
      return located(error, { message: 'Unexpected error.', extensions: { code: 'INTERNAL_ERROR' } });
    }
    if (isKeywardError(error)) return toGraphQLError(error);
    logger.error({ err: error }, 'unexpected error');
    return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_ERROR' } });
  };
}

/**
 * The error without `extensions.originalError`, which Yoga adds to a request error it did not raise
 * itself (a body that is not JSON). Yoga answers such an error with its status whatever the client
 * accepts; without the original, `http.spec` would turn that into 200 for application/json, so it
 * goes too.
 */
function withoutInternals(error: GraphQLError): GraphQLError {
  if (error.extensions.originalError === undefined) return error;
  const { originalError: _internal, http, ...extensions } = error.extensions;
  const { spec: _spec, ...status } = (http ?? {}) as Record<string, unknown>;
  return located(error, { extensions: { ...extensions, http: status } });
}

/** What GraphiQL opens on: a query that works as soon as you are logged in to the app. */
export const GRAPHIQL_EXAMPLE = `# Keyward's GraphQL API. Logged in to the admin app in this browser, you are
# logged in here too; from scripts, send "Authorization: Bearer kw_…" instead.
# Run with Ctrl-Enter; the Docs pane lists every field. See docs/api.md.
query MyTokens {
  viewer {
    email
    plan
  }
  tokens(statuses: [ACTIVE, INACTIVE], orderBy: LAST_USED_DESC, first: 10) {
    edges {
      node {
        name
        displayPrefix
        status
        permissions
        expiresAt
        lastUsedAt
        usage(days: 7) { date allowed denied rateLimited }
      }
    }
  }
}
`;

export function createGraphQLHandler(options: { logger: Logger; production: boolean }) {
  const { logger, production } = options;
  return createYoga<RequestContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Cross-origin policy is the edge's (edge/origin.ts): Yoga's default CORS would reflect any origin.
    cors: false,
    // GraphiQL with its assets inlined (the default loads them from a CDN); off in production.
    graphiql: production
      ? false
      : { title: 'Keyward GraphiQL', shouldPersistHeaders: false, defaultQuery: GRAPHIQL_EXAMPLE },
    renderGraphiQL,
    maskedErrors: { maskError: maskError(logger, production) },
    logging: {
      debug: (...args) => logger.debug({ args }, 'yoga'),
      info: (...args) => logger.info({ args }, 'yoga'),
      warn: (...args) => logger.warn({ args }, 'yoga'),
      // Yoga reports here only the errors it hands to maskError, before masking: maskError logs the
      // unexpected ones with their cause, and the others may quote a request's variables (a password).
      error: () => undefined,
    },
    plugins: [
      EnvelopArmorPlugin({
        // A full page of tokens with every field costs about 6,000: leave room for real clients.
        ...armorLimits({ maxDepth: 8, maxAliases: 15, maxTokens: 1000, maxDirectives: 50, maxCost: 20_000 }),
        blockFieldSuggestion: { enabled: production },
      }),
      useSearchParamsParser(),
      ...(production ? [useNoIntrospection()] : []),
      useRequestErrorCode(),
      useCsrfCheck(),
      usePlanCheck(),
    ],
  });
}

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;
