/** One error as the GraphQL endpoint reports it. */
export type GraphQLErrorItem = {
  message: string;
  extensions?: { code?: string; field?: string };
};

/** A failed request: the first GraphQL error's message and code, plus all errors for field mapping. */
export class ApiError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly status: number;
  readonly errors: readonly GraphQLErrorItem[];

  constructor(message: string, code: string, status: number, errors: readonly GraphQLErrorItem[] = []) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.errors = errors;
    this.field = errors[0]?.extensions?.field;
  }
}

/**
 * A GraphQL document tagged with its result and variable types (written by hand next to
 * each document). The phantom `types` member only carries the types; it is never set.
 */
export type Operation<TData, TVariables> = {
  readonly document: string;
  readonly types?: (variables: TVariables) => TData;
};

export type NoVariables = Record<string, never>;

export const operation = <TData, TVariables = NoVariables>(
  document: string,
): Operation<TData, TVariables> => ({
  document,
});

let unauthenticatedHandler: () => void = () => {};

/** Called whenever a request answers UNAUTHENTICATED (expired or unknown session). */
export const setUnauthenticatedHandler = (handler: () => void): void => {
  unauthenticatedHandler = handler;
};

type GraphQLResponse<TData> = { data?: TData | null; errors?: GraphQLErrorItem[] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** Sends one operation to `/graphql` with the session cookie and the CSRF header. */
export async function request<TData, TVariables>(
  op: Operation<TData, TVariables>,
  variables: TVariables,
): Promise<TData> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/graphql-response+json, application/json',
        'X-Keyward-CSRF': '1',
      },
      body: JSON.stringify({ query: op.document, variables }),
    });
  } catch {
    throw new ApiError(
      'Could not reach the server. Check your connection and try again.',
      'NETWORK_ERROR',
      0,
    );
  }

  let body: GraphQLResponse<TData>;
  try {
    const parsed: unknown = await response.json();
    if (!isObject(parsed)) throw new Error('not an object');
    body = parsed as GraphQLResponse<TData>;
  } catch {
    if (response.status === 401) unauthenticatedHandler();
    throw new ApiError(
      `The server answered with an unexpected response (HTTP ${response.status}).`,
      response.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL_ERROR',
      response.status,
    );
  }

  const errors = Array.isArray(body.errors) ? body.errors : [];
  const first = errors[0];
  if (first) {
    const code = first.extensions?.code ?? (response.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL_ERROR');
    if (code === 'UNAUTHENTICATED') unauthenticatedHandler();
    const message =
      typeof first.message === 'string' && first.message ? first.message : 'Something went wrong.';
    throw new ApiError(message, code, response.status, errors);
  }
  if (!response.ok || body.data == null) {
    throw new ApiError(`The request failed (HTTP ${response.status}).`, 'INTERNAL_ERROR', response.status);
  }
  return body.data;
}

/** Any thrown value as an ApiError, so callers can always show `.message`. */
export const toApiError = (error: unknown): ApiError =>
  error instanceof ApiError
    ? error
    : new ApiError(error instanceof Error ? error.message : 'Something went wrong.', 'CLIENT_ERROR', 0);
