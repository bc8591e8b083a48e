import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodType } from 'zod';
import type { PolicyName } from '../rate-limits/policies.js';
import type { RequestContext } from './context.js';

export type Method = 'GET' | 'POST' | 'DELETE';

/**
 * The credentials a route reads; anything else a request presents is ignored. A presented
 * credential that does not verify always fails the request (never a fall-back to anonymous).
 */
export interface RouteAuth {
  /** The web session cookie (never honoured on a cross-origin request). */
  cookie?: boolean;
  /** An API token: `Authorization: Bearer` or `X-Api-Key`. */
  token?: boolean;
  /** A programmatic-login access token (JWT), as `Authorization: Bearer`. */
  access?: boolean;
  /** A cookie naming no live session counts as no cookie (routes where a session only adds something). */
  deadSessionIsAnonymous?: boolean;
  /** Without any accepted credential: true refuses (missing_token, or unauthenticated for cookie-only routes). */
  required: boolean;
}

export interface RouteLimit {
  /** X-RateLimit-Source of the per-principal limit: an API token's own rate, an access token's default rate. */
  source?: string;
  /** A per-IP policy every request of the route spends, whoever makes it. */
  ip?: PolicyName;
}

/** How the route's errors are written: REST `{error, message, requestId}` or GraphQL `{errors: [...]}`. */
export type Surface = 'rest' | 'graphql';

export interface EdgeRequest<B> {
  req: IncomingMessage;
  /** For handlers that write themselves (static files); everyone else returns an EdgeResult. */
  res: ServerResponse;
  ctx: RequestContext;
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  /** The validated JSON body (routes with `body`), else undefined. */
  body: B;
  /** The raw body text (routes with `rawBody`), else null. */
  rawBody: string | null;
}

export type HeaderMap = Record<string, string | string[]>;

export type EdgeResult =
  | { status?: number; json: unknown; headers?: HeaderMap }
  | { status: number; raw: string | Buffer; headers: HeaderMap }
  /** The handler wrote the response itself (static files); the edge's headers were set on `res` first. */
  | { written: true };

export interface OpenApiInfo {
  summary: string;
  /** The success status and the zod schema of its JSON body. */
  response?: { status: number; schema: ZodType };
  /** Error codes this route may answer besides the common ones. */
  errors?: readonly string[];
  tags?: readonly string[];
}

/**
 * One entry of the route table: everything the edge enforces for it is declared here, next to
 * its handler (docs/architecture.md, "The request's way").
 */
export interface Route<B = unknown> {
  method: Method | readonly Method[];
  /** find-my-way path: static segments, `:param`, or a trailing `*`. */
  path: string;
  /** Bounded metric label; default the path pattern. */
  label?: string;
  surface: Surface;
  auth: RouteAuth;
  /** Checked with can(principal, permission) for every kind of principal. */
  permission?: string;
  limit?: RouteLimit;
  /** JSON body schema (zod): application/json, within the body limit, validated before the handler. */
  body?: ZodType<B>;
  /** Hand the body over as text (GraphQL parses its own). */
  rawBody?: boolean;
  /** Security headers of an HTML page (the admin app) instead of an API's. */
  page?: boolean;
  /** Compress GET answers (gzip or brotli, as the client accepts): the admin app and GraphiQL. */
  compress?: boolean;
  openapi?: OpenApiInfo;
  handle(request: EdgeRequest<B>): Promise<EdgeResult> | EdgeResult;
}

/** Declares a route with its body type inferred from its schema. */
export function route<B = undefined>(spec: Route<B>): Route<B> {
  return spec;
}
