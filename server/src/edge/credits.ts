import { isKeywardError, KeywardError } from '../errors.js';
import type { VerifiedToken } from '../principal.js';
import type { Services } from '../services.js';
import type { CreditSpend } from '../tokens/token-credits.js';
import type { RequestContext } from './context.js';
import { andThen, type Maybe } from './maybe.js';

function unavailable(error: unknown, services: Services): KeywardError {
  if (isKeywardError(error)) return error;
  services.logger.warn({ err: String(error) }, 'credit store failed');
  // Credits fail closed: a token limited to N requests never gets N+1 because a store hiccuped.
  return new KeywardError(
    'service_unavailable',
    'Usage credits cannot be checked right now; retry shortly.',
    {
      headers: { 'Retry-After': '1' },
    },
  );
}

function admit(ctx: RequestContext, spend: CreditSpend): void {
  if (!spend.allowed) throw new KeywardError('usage_exhausted');
  ctx.usageRemaining = spend.remaining;
}

/** A credit from this instance's store (memory lease, else the database), after the limiter. */
function spendHere(
  services: Services,
  ctx: RequestContext,
  tokenId: string,
  refill: VerifiedToken['restrictions']['usageRefill'],
): Maybe<void> {
  const spent = services.credits.spend(tokenId, refill);
  if (!(spent instanceof Promise)) return admit(ctx, spent);
  return spent.then(
    (answer) => admit(ctx, answer),
    (error: unknown) => {
      throw unavailable(error, services);
    },
  );
}

/**
 * The rate limit and the credit of a token with a usageLimit (token-credits.ts). A credit is
 * spent only by a request the limiter lets through: with the memory limiter the limit is decided
 * first (synchronously), then the credit, from memory when the token's credits are leased (no
 * promise); with Redis both are sent in the same tick, so they share one round trip, and a credit
 * taken for a request the limiter refuses is given back.
 */
export function spendCredit(
  services: Services,
  ctx: RequestContext,
  token: VerifiedToken,
  limit: () => Maybe<void>,
): Maybe<void> {
  const { credits } = services;
  const refill = token.restrictions.usageRefill;
  // No named closure per request here: the server runs through tsx, whose keepNames wraps each
  // one in a __name() call.
  if (!credits.shared) return andThen(limit(), () => spendHere(services, ctx, token.id, refill));
  // With Redis the answer is always a promise (Promise.resolve returns it as it is).
  const spent = Promise.resolve(credits.spend(token.id, refill));
  const giveBack = (error: unknown) =>
    spent.then(
      (spend) =>
        credits.refund(token.id, spend, refill).then(
          () => Promise.reject(error),
          () => Promise.reject(error),
        ),
      () => Promise.reject(error),
    );
  let limited: Maybe<void>;
  try {
    limited = limit();
  } catch (error) {
    return giveBack(error);
  }
  return Promise.all([spent, limited]).then(
    ([spend]) => admit(ctx, spend),
    (error: unknown) => {
      // The limiter refused (give the credit back), or the credit store failed (503).
      if (isKeywardError(error)) return giveBack(error);
      throw unavailable(error, services);
    },
  );
}
