import type { Account } from '../accounts/accounts.entity.js';
import type { RequestContext } from './context.js';
import { clearSessionCookie, serializeSessionCookie } from './session-cookie.js';

/** Logs `account` in: ends the request's current session, if any, and sets a cookie with a fresh id. */
export async function startSession(ctx: RequestContext, account: Account): Promise<void> {
  const { sessions, config } = ctx.services;
  if (ctx.principal.kind === 'session') await sessions.destroy(ctx.em(), ctx.principal.sessionHash);
  const cookieValue = await sessions.create(ctx.em(), account.id, ctx.meta());
  const maxAge = config.sessionAbsoluteDays * 86_400;
  ctx.responseHeaders.push(['Set-Cookie', serializeSessionCookie(cookieValue, ctx.secureCookies, maxAge)]);
}

/** Logs out: deletes the session row and clears the cookie. */
export async function endSession(ctx: RequestContext): Promise<void> {
  await ctx.services.sessions.logOut(ctx.em(), ctx.caller());
  ctx.responseHeaders.push(['Set-Cookie', clearSessionCookie(ctx.secureCookies)]);
}
