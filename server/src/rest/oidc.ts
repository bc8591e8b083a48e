import type { RequestContext } from '../edge/context.js';
import { type EdgeResult, type Route, route } from '../edge/route.js';
import { startSession } from '../edge/session.js';
import { presentedOidcCookie, serializeOidcCookie } from '../edge/session-cookie.js';
import { KeywardError } from '../errors.js';
import type { Services } from '../services.js';
import { OIDC_TRANSACTION_SECONDS, type OidcSignIn, OidcSignInError } from '../sessions/oidc.service.js';
import { controlCharacterIndex } from '../text.js';

/** Where the login page's "Sign in with …" link points (Query.signInOptions gives it too). */
export const OIDC_START_PATH = '/api/auth/oidc/start';
/** The redirect URI to register at the provider: KEYWARD_PUBLIC_URL followed by this path. */
export const OIDC_CALLBACK_PATH = '/api/auth/oidc/callback';

/**
 * Where to go after signing in: an app path of this site only (as the web app's own `next` rule),
 * so a crafted link cannot bounce anyone elsewhere; `/` otherwise.
 */
function appPath(next: string | null): string {
  if (!next || next.length > 512 || controlCharacterIndex(next) >= 0) return '/';
  if (!/^\/(?![/\\])/.test(next) || /^\/(login|register)\b/.test(next)) return '/';
  return next;
}

/** A browser is sent on, never shown JSON; the callback's URL (it holds the code) is not passed on. */
function redirect(location: string, cookie: string): EdgeResult {
  return {
    status: 302,
    raw: '',
    headers: { location, 'set-cookie': cookie, 'referrer-policy': 'no-referrer' },
  };
}

function enabled(services: Services): OidcSignIn {
  if (!services.oidc)
    throw new KeywardError('not_found', 'Sign-in with OpenID Connect is not configured on this server.');
  return services.oidc;
}

/** Any failure ends on the login page with its reason (`/login?error=oidc_…`), the transaction gone. */
function failed(services: Services, ctx: RequestContext, error: unknown, next: string): EdgeResult {
  const failure =
    error instanceof OidcSignInError ? error : new OidcSignInError('oidc_failed', 'unexpected error');
  if (error instanceof OidcSignInError)
    services.logger.info(
      { requestId: ctx.requestId, reason: failure.reason, detail: failure.detail },
      'oidc sign-in refused',
    );
  else services.logger.error({ err: error, requestId: ctx.requestId }, 'oidc sign-in failed');
  const query = new URLSearchParams({ error: failure.reason });
  if (next !== '/') query.set('next', next);
  return redirect(`/login?${query}`, serializeOidcCookie('', ctx.secureCookies, 0));
}

/**
 * Sign-in with OpenID Connect for the web app (docs/api.md): the start sends the browser to the
 * provider with a sealed transaction cookie; the callback checks it and starts a web session.
 * Both answer 404 not_found when KEYWARD_OIDC_* is not configured.
 */
export function oidcRoutes(services: Services): Route[] {
  return [
    route({
      method: 'GET',
      path: OIDC_START_PATH,
      surface: 'rest',
      auth: { required: false },
      handle: async ({ ctx, query }) => {
        const signIn = enabled(services);
        const next = appPath(query.get('next'));
        try {
          const { url, sealed } = await signIn.begin(`${ctx.origin}${OIDC_CALLBACK_PATH}`, next);
          return redirect(url, serializeOidcCookie(sealed, ctx.secureCookies, OIDC_TRANSACTION_SECONDS));
        } catch (error) {
          return failed(services, ctx, error, next);
        }
      },
    }),
    route({
      method: 'GET',
      path: OIDC_CALLBACK_PATH,
      surface: 'rest',
      // The provider's redirect is a cross-site navigation: the session cookie is not read (edge
      // rule); the transaction cookie is, and it must match the provider's answer.
      auth: { required: false },
      handle: async ({ req, ctx, query }) => {
        const signIn = enabled(services);
        const transaction = signIn.openTransaction(
          presentedOidcCookie(req.headers.cookie, ctx.secureCookies),
        );
        try {
          const { account, next } = await signIn.finish(ctx.em(), transaction, query, ctx.meta());
          await startSession(ctx, account);
          return redirect(next, serializeOidcCookie('', ctx.secureCookies, 0));
        } catch (error) {
          return failed(services, ctx, error, transaction?.next ?? '/');
        }
      },
    }),
  ];
}
