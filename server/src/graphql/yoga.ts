import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, getOperationAST, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { RequestContext } from '../edge/context.js';
import { isKeywardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { graphQLError, toGraphQLError } from './errors.js';
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
 * GraphQL's own request errors (syntax, unknown fields, wrong argument types, graphql-armor's
 * depth, alias, token and cost limits) carry no code; give them one so every error has
 * `extensions.code`. Errors from resolvers already have theirs.
 */
/** The error with `extensions.code` GRAPHQL_VALIDATION_FAILED when it has no code yet. */
export function withRequestErrorCode(error: GraphQLError): GraphQLError {
  return error.extensions?.code
    ? error
    : new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        originalError: error.originalError,
        extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
      });
}

/** Every error of a result with a code (see withRequestErrorCode). */
export function withRequestErrorCodes<R extends { errors?: readonly GraphQLError[] }>(result: R): R {
  if (!result.errors?.length || result.errors.every((error) => error.extensions?.code)) return result;
  return { ...result, errors: result.errors.map(withRequestErrorCode) };
}

function useRequestErrorCode(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      const coded = withRequestErrorCodes(result as { errors?: readonly GraphQLError[] });
      if (coded !== result) setResult(coded as typeof result);
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

/**
 * Expected errors keep their code (UPPER_SNAKE) and HTTP status; GraphQL's own validation errors pass;
 * anything else is logged with the request id and masked.
 */
function maskError(logger: Logger) {
  return (error: unknown): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      if (isKeywardError(original)) return toGraphQLError(original, error.path);
      if (original instanceof GraphQLError) {
        return new GraphQLError(original.message, { ...original, path: error.path, nodes: error.nodes });
      }
      if (!original) return error;
      logger.error({ err: original, path: error.path }, 'unexpected error in a resolver');
    } else if (isKeywardError(error)) {
      return toGraphQLError(error);
    } else {
      logger.error({ err: error }, 'unexpected error');
    }
    return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_ERROR' } });
  };
}

export function createGraphQLHandler(options: { logger: Logger; production: boolean }) {
  const { logger, production } = options;
  return createYoga<RequestContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Cross-origin policy is the edge's (edge/origin.ts): Yoga's default CORS would reflect any origin.
    cors: false,
    // GraphiQL with its assets inlined (the default loads them from a CDN); off in production.
    graphiql: production ? false : { title: 'Keyward GraphiQL', shouldPersistHeaders: false },
    renderGraphiQL,
    maskedErrors: { maskError: maskError(logger) },
    logging: {
      debug: (...args) => logger.debug({ args }, 'yoga'),
      info: (...args) => logger.info({ args }, 'yoga'),
      warn: (...args) => logger.warn({ args }, 'yoga'),
      // Unexpected errors are logged by maskError with their cause; Yoga's own copy adds nothing.
      error: (...args) => logger.debug({ args }, 'yoga'),
    },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 8 },
        maxAliases: { n: 15 },
        maxTokens: { n: 1000 },
        // A full page of tokens with every field costs about 6,000: leave room for real clients.
        costLimit: { maxCost: 20_000 },
        blockFieldSuggestion: { enabled: production },
      }),
      ...(production ? [useNoIntrospection()] : []),
      useRequestErrorCode(),
      useCsrfCheck(),
    ],
  });
}

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;
