import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';
import FindMyWay from 'find-my-way';
import { isKeywardError, KeywardError } from '../errors.js';
import { assertCan, planKeepsReadOnly, planUpgradeRequired } from '../permissions/can.js';
import type { Principal } from '../principal.js';
import type { Services } from '../services.js';
import { redactTokenSecrets } from '../tokens/token-secret.js';
import { authenticate } from './authenticate.js';
import { assertDeclaredLength, parseBody, parseJsonBody, readBody } from './body.js';
import { clientAddressResolver } from './client-address.js';
import { createRequestContext, type RequestContext } from './context.js';
import { spendCredit } from './credits.js';
import { andThen, type Maybe } from './maybe.js';
import {
  corsHeaders,
  isStateChanging,
  ownOrigin,
  passesCsrfCheck,
  preflightHeaders,
  requestSite,
} from './origin.js';
import { requestIdFor } from './request-id.js';
import { addHeaders, errorResponse, PAGE_HEADERS, writeResponse } from './respond.js';
import type { EdgeResult, HeaderMap, Method, Route, Surface } from './route.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

// biome-ignore lint/suspicious/noExplicitAny: a table holds routes of every body type.
type AnyRoute = Route<any>;

const METHODS: readonly Method[] = ['GET', 'POST', 'DELETE'];
const EMPTY_QUERY = new URLSearchParams();
const NO_PARAMS: Record<string, string | undefined> = {};
const NO_CORS: Record<string, string> = {};
const noop = () => undefined;
/** gzip or brotli, as the client accepts, for compressible bodies over 1 KiB (the `compression` middleware). */
const compress = compression({ threshold: 1024 }) as unknown as (
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
) => void;

/** One request's way through the edge; its fields are filled in as it goes (see serve()). */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  started: number;
  route: AnyRoute | null;
  params: Record<string, string | undefined>;
  stateChanging: boolean;
  /** Metric label: the matched route's pattern (or the path's, on a 405), else 'unmatched'. */
  label: string;
  surface: Surface;
  ctx: RequestContext | null;
  cors: Record<string, string>;
  /** True once this request's use of an API token is recorded (see tokens/usage-recorder.ts). */
  counted: boolean;
}

/** Refusals that count as a denied use of a token (its permissions, its owner's state or plan). */
const DENIALS: ReadonlySet<string> = new Set([
  'insufficient_scope',
  'forbidden',
  'email_not_verified',
  'usage_exhausted',
  'plan_upgrade_required',
]);

const EXCHANGE = Symbol('keyward.exchange');

const trimSlash = (path: string) => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The one request edge (docs/architecture.md, "The request's way"): request id → body limit →
 * route match → origin/CSRF policy → authenticate → per-principal rate limit → permission →
 * body → handler → one writer for results and errors → response headers. Every route is an
 * entry of `routes`, with its policy declared next to its handler.
 */
export function createEdge(services: Services, routes: readonly AnyRoute[]): RequestHandler {
  const { config, logger } = services;
  const router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 500 });
  /** Paths without parameters, and their methods: a fixed path is never taken as another route's parameter. */
  const fixedPaths = new Map<string, Set<string>>();
  const fallbacks = new Set<AnyRoute>();
  for (const route of routes) {
    const methods = typeof route.method === 'string' ? [route.method] : route.method;
    for (const method of methods) {
      router.on(method, route.path, () => undefined, route);
      // HEAD works wherever GET does (node:http sends the headers and drops the body).
      if (method === 'GET') router.on('HEAD', route.path, () => undefined, route);
    }
    if (route.path.endsWith('*')) fallbacks.add(route);
    else if (!route.path.includes(':')) {
      const known = fixedPaths.get(trimSlash(route.path)) ?? new Set<string>();
      for (const method of methods) known.add(method).add(method === 'GET' ? 'HEAD' : method);
      fixedPaths.set(trimSlash(route.path), known);
    }
  }
  const clientAddress = clientAddressResolver(config.trustProxy);

  function find(method: string, path: string) {
    const found = router.find(method as Method, path);
    // A malformed escape (`%E0`) is kept as literal text: it then names nothing, like any unknown id.
    if (found === null && path.includes('%'))
      return router.find(method as Method, path.replaceAll('%', '%25'));
    return found;
  }

  /**
   * The route for a request, or not_found / method_not_allowed (with Allow). A 405 still names
   * the path's route in `x.label`, for metrics.
   */
  function match(
    x: Exchange,
    method: string,
    path: string,
  ): { route: AnyRoute; params: Record<string, string | undefined> } {
    const fixed = fixedPaths.get(trimSlash(path));
    const found = fixed?.has(method) === false ? null : find(method, path);
    const route = found?.store as AnyRoute | undefined;
    if (found && route && !fallbacks.has(route)) return { route, params: found.params };
    const allowed: string[] = [];
    for (const other of METHODS) {
      const elsewhere = other === method ? null : find(other, path);
      const otherRoute = elsewhere?.store as AnyRoute | undefined;
      if (!otherRoute || fallbacks.has(otherRoute)) continue;
      allowed.push(other);
      x.label = otherRoute.label ?? otherRoute.path;
    }
    if (allowed.length > 0) throw notAllowed(method, path, allowed);
    if (found && route) return { route, params: found.params };
    throw new KeywardError('not_found', `Nothing is served at ${redactTokenSecrets(path)}.`);
  }

  /** Up to authentication, all synchronous: the rest continues in admitted(). */
  function serve(x: Exchange): Maybe<void> {
    const { req } = x;
    const method = req.method ?? 'GET';
    const path = pathOf(req.url ?? '/');
    x.surface = path === '/graphql' ? 'graphql' : 'rest';
    assertDeclaredLength(req, config.bodyLimitBytes);
    const own = ownOrigin(req, config);
    const { site, origin } = requestSite(req, own);
    if (site === 'cross') x.cors = corsHeaders(origin, config.corsOrigins);
    if (method === 'OPTIONS') return preflight(x, origin);

    const { route, params } = match(x, method, path);
    x.route = route;
    x.params = params;
    x.label = route.label ?? route.path;
    x.surface = route.surface;
    x.stateChanging = isStateChanging(method);
    // A foreign page may not change anything here; listed origins may, with a bearer token only.
    if (site === 'cross' && x.stateChanging && (origin === null || !config.corsOrigins.has(origin)))
      throw new KeywardError(
        'csrf_failed',
        'Cross-origin request refused: this origin may not change anything here.',
      );

    const userAgent = req.headers['user-agent'];
    const ctx = createRequestContext(
      services,
      x.requestId,
      clientAddress(req),
      typeof userAgent === 'string' ? userAgent : null,
      own,
      passesCsrfCheck(req, site),
    );
    x.ctx = ctx;
    const principal = authenticate(services, () => ctx.em(), req, {
      auth: route.auth,
      cookieAllowed: site !== 'cross',
      secureCookies: ctx.secureCookies,
      ip: ctx.ip,
    });
    return andThen(principal, (known) => admitted(x, route, ctx, known));
  }

  /** CSRF for cookie-authenticated REST changes, then the rate limits: a route's IP policy, then the principal's own. */
  function admitted(x: Exchange, route: AnyRoute, ctx: RequestContext, principal: Principal): Maybe<void> {
    ctx.principal = principal;
    // GraphQL decides per operation (a mutation needs the proof; a query does not).
    if (principal.kind === 'session' && x.stateChanging && route.surface === 'rest' && !ctx.csrfOk)
      throw new KeywardError('csrf_failed');
    const ipPolicy = route.limit?.ip;
    if (ipPolicy) return andThen(ctx.limit(ipPolicy, ctx.ip ?? 'unknown'), () => limited(x, route, ctx));
    return limited(x, route, ctx);
  }

  function limited(x: Exchange, route: AnyRoute, ctx: RequestContext): Maybe<void> {
    const { principal } = ctx;
    const source = route.limit?.source ?? 'api';
    if (principal.kind === 'token') {
      const { token } = principal;
      const options = { limit: token.rateLimitPerMinute, source };
      // A closure only for tokens with credits: the plain token's way allocates nothing more.
      const admitted =
        token.restrictions.usageLimit === null
          ? ctx.limit('token', token.id, options)
          : spendCredit(services, ctx, token, () => ctx.limit('token', token.id, options));
      return andThen(admitted, () => handle(x, route, ctx));
    }
    // A programmatic login is limited like a default token, per login (refresh-token family).
    if (principal.kind === 'access')
      return andThen(ctx.limit('token', `access:${principal.familyId}`, { source }), () =>
        handle(x, route, ctx),
      );
    return handle(x, route, ctx);
  }

  /**
   * The plan (a free account's API token only reads: a REST write is refused here, a GraphQL
   * mutation by graphql/yoga.ts per operation), the permission the route declares, then its body
   * (read within the limit), then the handler.
   */
  function handle(x: Exchange, route: AnyRoute, ctx: RequestContext): Maybe<void> {
    const { principal } = ctx;
    if (x.stateChanging && route.surface === 'rest' && planKeepsReadOnly(principal))
      throw planUpgradeRequired();
    if (route.permission) assertCan(principal, route.permission);
    // A token's use counts once: allowed here, whatever the handler then answers; a refusal up to
    // here counts in fail().
    if (principal.kind === 'token') {
      services.usage.record(principal.token.id, ctx.ip);
      if (route.permission) services.usage.exercised(principal.token.id, route.permission);
      x.counted = true;
    }
    if ((route.body || route.rawBody) && x.stateChanging) {
      return readBody(x.req, config.bodyLimitBytes, config.bodyTimeoutMs).then((raw) =>
        run(x, route, ctx, raw),
      );
    }
    return run(x, route, ctx, null);
  }

  function run(x: Exchange, route: AnyRoute, ctx: RequestContext, raw: Buffer | null): Maybe<void> {
    const { req, res } = x;
    let body: unknown;
    let rawBody: string | null = null;
    if (route.rawBody) rawBody = raw?.toString('utf8') ?? null;
    else if (route.body) body = parseBody(route.body, parseJsonBody(req, raw ?? Buffer.alloc(0)));
    const url = req.url ?? '/';
    const query = url.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : EMPTY_QUERY;
    if (route.compress && (req.method === 'GET' || req.method === 'HEAD')) compress(req, res, noop);
    const params = x.params;
    return andThen(route.handle({ req, res, ctx, params, query, body, rawBody }), (result) =>
      write(x, result),
    );
  }

  function baseHeaders(x: Exchange, page: boolean): HeaderMap {
    // Every API answer (REST, GraphQL, health) is never stored by a browser or a shared cache. One
    // literal, so every request's headers have one shape; pages and CORS add theirs.
    const headers: HeaderMap = {
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-request-id': x.requestId,
      'content-type': 'application/json; charset=utf-8',
    };
    if (page) Object.assign(headers, PAGE_HEADERS);
    if (x.cors !== NO_CORS) addHeaders(headers, x.cors);
    return headers;
  }

  function write(x: Exchange, result: EdgeResult): void {
    if ('written' in result) return;
    const headers = baseHeaders(x, x.route?.page === true);
    const body = 'json' in result ? JSON.stringify(result.json) : result.raw;
    if (x.ctx) addHeaders(headers, x.ctx.responseHeaders);
    if (result.headers) addHeaders(headers, result.headers);
    writeResponse(x.res, result.status ?? 200, headers, body);
  }

  function preflight(x: Exchange, origin: string | null): void {
    const headers = addHeaders(baseHeaders(x, false), preflightHeaders(origin, config.corsOrigins));
    writeResponse(x.res, 204, headers, '');
  }

  function fail(x: Exchange, error: unknown): void {
    const { res } = x;
    if (!isKeywardError(error)) logger.error({ err: error, requestId: x.requestId }, 'unexpected error');
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const known = isKeywardError(error) ? error : new KeywardError('internal_error');
    if (!x.counted) countRefusal(x, known.code);
    const { status, body, headers } = errorResponse(known, x.surface, x.requestId);
    const all = baseHeaders(x, false);
    if (x.ctx) addHeaders(all, x.ctx.responseHeaders);
    addHeaders(all, headers);
    // A body too large or too slow is not read any further: close the connection after answering.
    if (known.code === 'payload_too_large' || known.code === 'request_timeout') all.connection = 'close';
    writeResponse(res, status, all, body);
  }

  /** A valid token refused before its handler ran: by a rate limit, or for a permission (a denied use). */
  function countRefusal(x: Exchange, code: string): void {
    const principal = x.ctx?.principal;
    if (principal?.kind !== 'token') return;
    if (code === 'rate_limit_exceeded')
      services.usage.record(principal.token.id, x.ctx?.ip ?? null, 'rateLimited');
    else if (DENIALS.has(code)) services.usage.record(principal.token.id, x.ctx?.ip ?? null, 'denied');
  }

  function finished(this: ServerResponse): void {
    const x = (this as ServerResponse & { [EXCHANGE]: Exchange })[EXCHANGE];
    const seconds = (performance.now() - x.started) / 1000;
    services.metrics.http.record(x.label, x.req.method ?? 'GET', this.statusCode, seconds);
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          requestId: x.requestId,
          method: x.req.method,
          path: redactTokenSecrets(pathOf(x.req.url ?? '/')),
          status: this.statusCode,
          ms: Math.round(seconds * 1000),
        },
        'request',
      );
    }
  }

  return (req, res) => {
    const x: Exchange = {
      req,
      res,
      requestId: requestIdFor(req),
      started: performance.now(),
      route: null,
      params: NO_PARAMS,
      stateChanging: false,
      label: 'unmatched',
      surface: 'rest',
      ctx: null,
      cors: NO_CORS,
      counted: false,
    };
    (res as ServerResponse & { [EXCHANGE]: Exchange })[EXCHANGE] = x;
    res.once('finish', finished);
    try {
      const done = serve(x);
      if (done instanceof Promise) done.catch((error: unknown) => fail(x, error));
    } catch (error) {
      fail(x, error);
    }
  };
}

function notAllowed(method: string, path: string, allowed: readonly string[]): KeywardError {
  const methods = new Set(allowed);
  if (methods.has('GET')) methods.add('HEAD');
  return new KeywardError('method_not_allowed', `${method} is not allowed on ${redactTokenSecrets(path)}.`, {
    headers: { Allow: [...methods].join(', ') },
  });
}
