/**
 * HTTP to the Keyward server: REST (`/api/...`) and GraphQL (`/graphql`), with the token as
 * `Authorization: Bearer`. Server errors become CliErrors carrying the server's message; network
 * failures name the URL. Redirects are not followed, so a token is only ever sent to `apiUrl`.
 */
import { CliError, LOGIN_HINT } from './errors.js';
import { type CheckedDocument, documentText } from './graphql.js';
import { cliVersion } from './version.js';

const TIMEOUT_MS = 30_000;

/** Codes (REST lower_snake, GraphQL UPPER_SNAKE) meaning "this credential does not work". */
const CREDENTIAL_CODES = new Set([
  'missing_token',
  'invalid_token',
  'token_revoked',
  'token_expired',
  'token_rotated',
  'token_inactive',
  'token_user_missing',
  'unauthenticated',
]);

export function isCredentialError(code: string | undefined): boolean {
  return code !== undefined && CREDENTIAL_CODES.has(code.toLowerCase());
}

/** What to do next after a refusal, by the server's code (either spelling). */
export function hintFor(code: string | undefined): string | undefined {
  if (isCredentialError(code)) return LOGIN_HINT;
  if (code?.toLowerCase() === 'plan_upgrade_required') return PLAN_HINT;
  return undefined;
}

const PLAN_HINT =
  "Upgrade the account's plan (pro or team) to make changes with an API token; on the free plan, create and revoke tokens in the web app.";

/** A failure the server reported: HTTP status, its code and its message. */
export class ApiError extends CliError {
  readonly status: number;

  constructor(message: string, status: number, code: string | undefined, hint?: string) {
    super(message, { code, hint: hint ?? hintFor(code) });
    this.name = 'ApiError';
    this.status = status;
  }
}

export interface ApiClient {
  apiUrl: string;
  /** GET a REST route; the token (when given) goes in the Authorization header. */
  getJson(path: string, token: string | null): Promise<unknown>;
  /** Runs a typed GraphQL operation and returns `data`; the first error becomes an ApiError. */
  graphql<Result, Variables>(
    document: CheckedDocument<Result, Variables>,
    variables: Variables,
    token: string | null,
  ): Promise<Result>;
}

export function createApiClient(apiUrl: string): ApiClient {
  const userAgent = `keyward-cli/${cliVersion()} node/${process.versions.node}`;

  async function send(path: string, init: { method: string; token: string | null; body?: string }) {
    const url = `${apiUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent };
    if (init.token !== null) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method: init.method,
        headers,
        body: init.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(`Could not reach ${url}: ${networkReason(error)}.`, {
        code: 'network_error',
        hint: 'Is the Keyward server running? Set the server with --api-url or KEYWARD_API_URL.',
      });
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location') ?? 'another address';
      throw new CliError(`${url} answered with a redirect to ${location}.`, {
        hint: 'Point --api-url (or KEYWARD_API_URL) at the final address; tokens are not sent through redirects.',
      });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      throw new CliError(`${url} answered HTTP ${response.status} with something other than JSON.`, {
        hint: 'Check that --api-url points at a Keyward server.',
      });
    }
    return { url, status: response.status, body };
  }

  return {
    apiUrl,
    async getJson(path, token) {
      const { url, status, body } = await send(path, { method: 'GET', token });
      if (status >= 200 && status < 300) return body;
      const { message, code } = restError(body);
      throw new ApiError(message ?? `${url} answered HTTP ${status}.`, status, code);
    },
    async graphql<Result, Variables>(
      document: CheckedDocument<Result, Variables>,
      variables: Variables,
      token: string | null,
    ) {
      const { url, status, body } = await send('/graphql', {
        method: 'POST',
        token,
        body: JSON.stringify({ query: documentText(document), variables }),
      });
      const record = isRecord(body) ? body : {};
      const first = Array.isArray(record.errors) ? record.errors[0] : undefined;
      if (isRecord(first)) {
        const message = typeof first.message === 'string' ? first.message : 'The server reported an error.';
        const code = isRecord(first.extensions) ? first.extensions.code : undefined;
        throw new ApiError(message, status, typeof code === 'string' ? code : undefined);
      }
      if (status < 200 || status >= 300 || !isRecord(record.data)) {
        throw new ApiError(`${url} answered HTTP ${status} without GraphQL data.`, status, undefined);
      }
      // The shape is the document's, checked against schema.graphql at compile time.
      return record.data as Result;
    },
  };
}

/** `{error, message}` from a REST error body, when it has that shape. */
function restError(body: unknown): { message: string | undefined; code: string | undefined } {
  if (!isRecord(body)) return { message: undefined, code: undefined };
  return {
    message: typeof body.message === 'string' ? body.message : undefined,
    code: typeof body.error === 'string' ? body.error : undefined,
  };
}

/** "connection refused (ECONNREFUSED)", "timed out after 30s", ... */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timed out after ${TIMEOUT_MS / 1000}s`;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  if (isRecord(cause)) {
    const code = typeof cause.code === 'string' ? cause.code : undefined;
    const message = typeof cause.message === 'string' ? cause.message : undefined;
    if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
    if (code === 'ENOTFOUND') return 'host not found (ENOTFOUND)';
    if (message) return code && !message.includes(code) ? `${message} (${code})` : message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
