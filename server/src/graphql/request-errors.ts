import type { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';

/**
 * Request errors: the request is refused before anything runs (unparseable or invalid document,
 * a query over a limit, variables that do not coerce, malformed parameters). As the
 * GraphQL-over-HTTP spec says, they answer 400 without `data` to clients accepting
 * `application/graphql-response+json`, and 200 to `application/json` clients (Yoga reads
 * `http.spec: true` as "200 for application/json").
 */
const requestErrorHttp = () => ({ spec: true, status: 400 });

type ArmorConfig = NonNullable<Parameters<typeof EnvelopArmorPlugin>[0]>;
type RejectCallback = (context: ValidationContext | null, error: GraphQLError) => void;

/**
 * The codes of graphql-armor's refusals, one per limit. The list-size-aware cost that will replace
 * armor's cost limit refuses with QUERY_TOO_COMPLEX as well: keep the two in step.
 */
export const LIMIT_CODES = {
  maxDepth: 'QUERY_TOO_DEEP',
  maxAliases: 'TOO_MANY_ALIASES',
  costLimit: 'QUERY_TOO_COMPLEX',
  maxTokens: 'TOO_MANY_TOKENS',
  maxDirectives: 'TOO_MANY_DIRECTIVES',
} as const;

/**
 * An armor refusal as a request error with its limit's code. Armor words every refusal
 * "Syntax Error: …" and throws it; reported instead (or thrown from the parser, where there is no
 * validation context), it keeps its limit's own words.
 */
function refuseWith(code: string): RejectCallback {
  return (context, error) => {
    const refusal = new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
      extensions: { code, http: requestErrorHttp() },
    });
    if (context === null) throw refusal;
    context.reportError(refusal);
  };
}

/** Armor's options for each limit, with the refusal reported under the limit's code. */
export function armorLimits(limits: {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
}): Pick<ArmorConfig, 'maxDepth' | 'maxAliases' | 'maxTokens' | 'costLimit' | 'maxDirectives'> {
  const reject = (code: string) => ({ propagateOnRejection: false, onReject: [refuseWith(code)] });
  return {
    maxDepth: { n: limits.maxDepth, ...reject(LIMIT_CODES.maxDepth) },
    maxAliases: { n: limits.maxAliases, ...reject(LIMIT_CODES.maxAliases) },
    maxTokens: { n: limits.maxTokens, ...reject(LIMIT_CODES.maxTokens) },
    costLimit: { maxCost: limits.maxCost, ...reject(LIMIT_CODES.costLimit) },
    maxDirectives: { n: limits.maxDirectives, ...reject(LIMIT_CODES.maxDirectives) },
  };
}

/**
 * Completes a parse failure as Yoga's own hook does for requests through its Fetch layer:
 * GRAPHQL_PARSE_FAILED and the request-error status. Yoga's parse cache stores the thrown error
 * itself and throws that instance again for the same document, whoever sends it; a caller of
 * `enveloped.parse` outside Yoga's Fetch layer must complete it in place, or every later request
 * for the document inherits the incomplete error.
 */
export function completeParseFailure(error: unknown): void {
  if (!(error instanceof GraphQLError)) return;
  const extensions = error.extensions as Record<string, unknown>;
  extensions.code ??= 'GRAPHQL_PARSE_FAILED';
  extensions.http ??= requestErrorHttp();
}

/** The error of a request whose parameters cannot be read: 400, whatever the client accepts. */
function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

function jsonParam(search: URLSearchParams, name: 'variables' | 'extensions'): unknown {
  const text = search.get(name);
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`The "${name}" parameter is not valid JSON.`);
  }
}

/** GraphQL parameters from a query string, as Yoga reads them, with malformed JSON a bad request. */
function paramsFromSearch(search: URLSearchParams): GraphQLParams {
  return {
    operationName: search.get('operationName') || undefined,
    query: search.get('query') || undefined,
    variables: jsonParam(search, 'variables') as GraphQLParams['variables'],
    extensions: jsonParam(search, 'extensions') as GraphQLParams['extensions'],
  };
}

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * Yoga's readers of GET query strings and form-encoded bodies, except that a `variables` or
 * `extensions` parameter that is not JSON is the client's mistake (400 BAD_REQUEST naming the
 * parameter) rather than an unexpected server error.
 */
export function useSearchParamsParser(): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method === 'GET') {
        setRequestParser((req) => {
          const { url } = req;
          return paramsFromSearch(new URLSearchParams(url.slice(url.indexOf('?') + 1)));
        });
      } else if (request.method === 'POST' && FORM_TYPE.test(request.headers.get('content-type') ?? '')) {
        setRequestParser(async (req) => paramsFromSearch(new URLSearchParams(await req.text())));
      }
    },
  };
}

/** A copy of an error raised at a place in the document, with another message or extensions. */
export function located(
  error: GraphQLError,
  replace: { message?: string; extensions: GraphQLError['extensions'] },
): GraphQLError {
  return new GraphQLError(replace.message ?? error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: replace.extensions,
  });
}

/**
 * The error as a request error (see requestErrorHttp). graphql-tools' executor gives variable
 * coercion failures status 400 whatever the client accepts; application/json clients get 200.
 */
export function asRequestError(error: GraphQLError): GraphQLError {
  const http = error.extensions.http as Record<string, unknown> | undefined;
  return located(error, { extensions: { ...error.extensions, http: { ...http, ...requestErrorHttp() } } });
}

/**
 * The error with `extensions.code` GRAPHQL_VALIDATION_FAILED when it has no code yet; a request
 * error (the result has no `data`: variables that do not coerce, an operation that cannot be
 * chosen) also gets the request-error status.
 */
export function withRequestErrorCode(error: GraphQLError, requestError = false): GraphQLError {
  if (error.extensions?.code) return error;
  const coded = located(error, { extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });
  return requestError ? asRequestError(coded) : coded;
}

/** Every error of a result with a code (see withRequestErrorCode). */
export function withRequestErrorCodes<R extends { errors?: readonly GraphQLError[] }>(result: R): R {
  if (!result.errors?.length || result.errors.every((error) => error.extensions?.code)) return result;
  const requestError = !('data' in result);
  return { ...result, errors: result.errors.map((error) => withRequestErrorCode(error, requestError)) };
}

/**
 * GraphQL's own request errors (unknown fields, wrong variable types) carry no code; give them one
 * so every error has `extensions.code`. Errors from resolvers already have theirs.
 */
export function useRequestErrorCode(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      const coded = withRequestErrorCodes(result as { errors?: readonly GraphQLError[] });
      if (coded !== result) setResult(coded as typeof result);
    },
  };
}
