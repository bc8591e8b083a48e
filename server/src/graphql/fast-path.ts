import type { IncomingMessage } from 'node:http';
import { type DocumentNode, type ExecutionResult, GraphQLError, getOperationAST } from 'graphql';
import { isAsyncIterable, processRegularResult } from 'graphql-yoga';
import type { RequestContext } from '../edge/context.js';
import type { HeaderMap } from '../edge/route.js';
import type { Logger } from '../logger.js';
import { completeParseFailure, withRequestErrorCodes } from './request-errors.js';
import type { GraphQLHandler } from './yoga.js';

const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;
const PARAM_NAMES = new Set(['query', 'variables', 'operationName', 'extensions']);

interface GraphQLParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

/** What the direct path needs of Yoga beyond its public type. */
interface YogaInternals {
  onParamsHooks?: unknown[];
  onExecutionResultHooks?: unknown[];
  onResultProcessHooks?: unknown[];
  maskedErrorsOpts?: {
    maskError: (error: unknown, message: string, isDev?: boolean) => Error;
    errorMessage: string;
    isDev?: boolean;
  } | null;
}

/** A GraphQL answer as the edge writes it. */
export interface GraphQLAnswer {
  status: number;
  headers: HeaderMap;
  raw: string | Buffer;
}

export interface GraphQLFastPath {
  /** True when the request's headers qualify for the direct path. */
  accepts(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, ctx: RequestContext, body: string): Promise<GraphQLAnswer>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The params of an ordinary single operation, or null for anything Yoga should judge (and word the error for). */
function simpleParams(body: string): GraphQLParams | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isPlainObject(parsed)) return null;
  for (const key in parsed) if (!PARAM_NAMES.has(key)) return null;
  const { query, variables, operationName, extensions } = parsed;
  if (typeof query !== 'string') return null;
  if (variables != null && !isPlainObject(variables)) return null;
  if (operationName != null && typeof operationName !== 'string') return null;
  if (extensions != null && !isPlainObject(extensions)) return null;
  return parsed as unknown as GraphQLParams;
}

/** Yoga's Fetch API Response as the edge's raw result. */
export async function fromFetchResponse(response: Response): Promise<GraphQLAnswer> {
  const headers: HeaderMap = {};
  response.headers.forEach((value, name) => {
    const key = name.toLowerCase();
    if (key !== 'set-cookie' && key !== 'content-length') headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return { status: response.status, headers, raw: Buffer.from(await response.arrayBuffer()) };
}

/**
 * A direct node:http path for the everyday API call: a bearer-token POST of `application/json`
 * (no Origin, so not a browser; Accept absent, `*\/*` or `application/json`). It runs Yoga's own
 * envelop pipeline (`yoga.getEnveloped`: the schema, graphql-armor's limits, the parse and
 * validation caches, error masking, the CSRF check) and skips only the Fetch-API adaptation of the
 * request and response, which is most of Yoga's per-request cost. Whatever it does not handle
 * itself goes to Yoga with the body it read: invalid JSON or params, parse or validation errors,
 * subscriptions, missing operations; results with errors are rendered by Yoga's
 * `processRegularResult`, so statuses and error bodies stay Yoga's.
 *
 * Returns null (Yoga serves everything) if Yoga ever grows hooks this path does not reproduce.
 */
const JSON_HEADERS: HeaderMap = { 'content-type': 'application/json; charset=utf-8' };

/** Hands a request (body already read by the edge) to Yoga, which answers it as it would any other. */
export async function viaYogaFetch(
  yoga: GraphQLHandler,
  req: IncomingMessage,
  ctx: RequestContext,
  body: string | null,
): Promise<GraphQLAnswer> {
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const response = await yoga.fetch(
    `http://localhost${req.url ?? '/graphql'}`,
    { method, headers, ...(body !== null && method !== 'GET' ? { body } : {}) },
    ctx,
  );
  return fromFetchResponse(response);
}

export function createGraphQLFastPath(yoga: GraphQLHandler, logger: Logger): GraphQLFastPath | null {
  const internals = yoga as unknown as YogaInternals;
  // Yoga's built-ins: one onParams hook (the params check, mirrored by simpleParams), one
  // onResultProcess hook (media-type negotiation, fixed here to application/json), no
  // onExecutionResult hook; plus our own onResultProcess hook (useRequestErrorCode, mirrored
  // by withRequestErrorCodes below). Anything else would be silently skipped, so refuse instead.
  if (
    internals.onParamsHooks?.length !== 1 ||
    internals.onExecutionResultHooks?.length !== 0 ||
    internals.onResultProcessHooks?.length !== 2 ||
    internals.maskedErrorsOpts === undefined
  ) {
    logger.warn('GraphQL direct path disabled: Yoga has hooks it does not reproduce');
    return null;
  }
  const masking = internals.maskedErrorsOpts;

  const viaYoga = (req: IncomingMessage, ctx: RequestContext, body: string) =>
    viaYogaFetch(yoga, req, ctx, body);

  function thrownToResult(error: unknown): ExecutionResult {
    // As Yoga's handleParams: an error thrown by execute (not a resolver error) is masked.
    const masked = masking ? masking.maskError(error, masking.errorMessage, masking.isDev) : error;
    const graphQLError =
      masked instanceof GraphQLError
        ? masked
        : new GraphQLError(masked instanceof Error ? masked.message : 'Unexpected error.', {
            originalError: masked instanceof Error ? masked : undefined,
          });
    return { errors: [graphQLError] };
  }

  return {
    accepts(req) {
      if (req.method !== 'POST') return false;
      const { headers } = req;
      if (headers.origin !== undefined || headers['content-encoding'] !== undefined) return false;
      const type = headers['content-type'];
      if (type === undefined || !(type === 'application/json' || JSON_CONTENT_TYPE.test(type))) return false;
      const accept = headers.accept;
      return accept === undefined || accept === '*/*' || accept === 'application/json';
    },

    async handle(req, ctx, body) {
      const params = simpleParams(body);
      if (!params) return viaYoga(req, ctx, body);
      const enveloped = yoga.getEnveloped(ctx as Parameters<GraphQLHandler['getEnveloped']>[0]);
      let document: DocumentNode;
      try {
        document = enveloped.parse(params.query);
      } catch (error) {
        // Yoga's parse cache now holds this very error for the document, for every client.
        completeParseFailure(error);
        return viaYoga(req, ctx, body);
      }
      try {
        if (enveloped.validate(enveloped.schema, document).length > 0) return viaYoga(req, ctx, body);
      } catch {
        // A validation rule that throws rather than reports: Yoga words it.
        return viaYoga(req, ctx, body);
      }
      const operation = getOperationAST(document, params.operationName ?? undefined);
      if (!operation || operation.operation === 'subscription') return viaYoga(req, ctx, body);

      let result: ExecutionResult;
      try {
        const contextValue = await enveloped.contextFactory();
        result = (await enveloped.execute({
          schema: enveloped.schema,
          document,
          contextValue,
          variableValues: params.variables,
          operationName: params.operationName,
        })) as ExecutionResult;
      } catch (error) {
        result = thrownToResult(error);
      }
      if (isAsyncIterable(result) || result.errors || result.extensions) {
        return fromFetchResponse(
          await processRegularResult(withRequestErrorCodes(result), yoga.fetchAPI, 'application/json'),
        );
      }
      // No errors: what processRegularResult would answer, without building a Response.
      return { status: 200, headers: JSON_HEADERS, raw: JSON.stringify(result) };
    },
  };
}
