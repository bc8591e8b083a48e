import type { TestServer } from './harness.js';

const CREATE_TOKEN = `mutation($input: CreateTokenInput!) {
  createToken(input: $input) { secret token { id name displayPrefix status } }
}`;
const REVOKE_TOKEN = 'mutation($id: ID!) { revokeToken(id: $id) { id status } }';

export interface MintedToken {
  secret: string;
  token: { id: string; name: string; displayPrefix: string; status: string };
}

/** Creates a token through GraphQL with a session cookie (preset CLI unless told otherwise). */
export async function mintToken(
  server: TestServer,
  cookie: string,
  input: Record<string, unknown> = {},
): Promise<MintedToken> {
  const response = await server.gql<{ createToken: MintedToken }>(
    CREATE_TOKEN,
    { input: { name: 'test token', preset: 'CLI', ...input } },
    { cookie },
  );
  const created = response.body.data?.createToken;
  if (!created) throw new Error(`createToken failed: ${JSON.stringify(response.body.errors)}`);
  return created;
}

export async function revokeWithCookie(server: TestServer, cookie: string, id: string): Promise<void> {
  const response = await server.gql(REVOKE_TOKEN, { id }, { cookie });
  if (response.body.errors) throw new Error(`revokeToken failed: ${JSON.stringify(response.body.errors)}`);
}

/** A well-formed but unknown secret is still rejected by the server: random characters fail the checksum. */
export const BOGUS_TOKEN = `kw_${'A'.repeat(36)}`;
