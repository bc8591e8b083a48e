import type { Principal } from '../principal.js';

/** The account behind an authenticated principal (the edge has already refused anonymous callers). */
export function accountOf(principal: Principal) {
  if (principal.kind === 'anonymous') throw new Error('a route with auth.required ran without a principal');
  return principal.account;
}
