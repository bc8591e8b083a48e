/**
 * Search params as plain `key=value` pairs (`?next=%2Ftokens`, `?status=active,expired`), not the
 * router's default JSON encoding: links stay readable, and a value such as a mailed token is
 * never read as a number. Each route's `validateSearch` turns the strings into its typed params.
 */
export function parseSearch(search: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(search));
}

export function stringifySearch(search: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(search)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  // Commas stay readable (`status=active,expired`): they need no escaping in a query string.
  const text = params.toString().replaceAll('%2C', ',');
  return text ? `?${text}` : '';
}

/** A route's optional string param (`next`, `token`). */
export const optionalString =
  <Key extends string>(key: Key) =>
  (search: Record<string, unknown>): Partial<Record<Key, string>> => {
    const value = search[key];
    return typeof value === 'string' ? ({ [key]: value } as Partial<Record<Key, string>>) : {};
  };
