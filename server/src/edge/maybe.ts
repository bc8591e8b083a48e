/** A value now, or later. */
export type Maybe<T> = T | Promise<T>;

/**
 * Continues with `next` at once when `value` is already there, else when it arrives. The hot
 * path (a cached token, a memory rate limit, whoami) then runs without a single promise.
 */
export function andThen<T, R>(value: Maybe<T>, next: (value: T) => Maybe<R>): Maybe<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
