/**
 * A member's personal token reaches an organization only while that person is a member, on every
 * instance: two instances share one database; the owner removes the member on A and the member's
 * very next request on B no longer finds the organization. An organization token, on the other
 * hand, keeps working on B after its creator is removed on A.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningKeyward } from '../../server/src/boot.js';
import { seedToken } from '../helpers/auth-matrix.js';
import { bootInstance, startTestServer, type TestServer } from '../helpers/harness.js';

let a: TestServer;
let b: RunningKeyward;
beforeAll(async () => {
  a = await startTestServer();
  b = await bootInstance(a.keyward.services.config.databaseUrl!);
});
afterAll(async () => {
  await b?.stop();
  await a?.close();
});

async function gqlOn(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  auth: { token?: string; cookie?: string },
) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
      ...(auth.cookie ? { cookie: auth.cookie, 'x-keyward-csrf': '1' } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

const BY_SLUG = 'query($slug: String!) { organization(slug: $slug) { id members { role } } }';
const MINE = '{ organizations { id } }';
const CREATE_ORG_TOKEN = `mutation($input: CreateTokenInput!) { createToken(input: $input) { secret token { id } } }`;

describe('membership on two instances', () => {
  it("a removed member's personal token loses the organization on its next request on the other instance; an organization token its creator made keeps it", async () => {
    const owner = await a.seedAccount({ plan: 'team' });
    const member = await a.seedAccount({ plan: 'team' });
    const ownerCookie = await a.login(owner.email, owner.password);
    const slug = `scale-${process.pid}`;
    const created = await gqlOn(
      a.url,
      'mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }',
      { input: { name: 'Scale', slug } },
      { cookie: ownerCookie },
    );
    const organizationId = (created.data!.createOrganization as { id: string }).id;
    const added = await gqlOn(
      a.url,
      'mutation($input: AddOrganizationMemberInput!) { addOrganizationMember(input: $input) { role } }',
      { input: { organizationId, email: member.email, role: 'ADMIN' } },
      { cookie: ownerCookie },
    );
    expect(added.errors).toBeUndefined();

    const personal = await seedToken(a, member.account, { preset: 'ALL' });
    // The member's organization token, made through B with the personal token.
    const made = await gqlOn(
      b.url,
      CREATE_ORG_TOKEN,
      { input: { name: 'ci', preset: 'READ_ONLY', organizationId } },
      { token: personal.secret },
    );
    expect(made.errors).toBeUndefined();
    const orgSecret = (made.data!.createToken as { secret: string }).secret;

    // Both tokens read the organization on B (and are cached there).
    for (let i = 0; i < 2; i++) {
      expect((await gqlOn(b.url, BY_SLUG, { slug }, { token: personal.secret })).data).toMatchObject({
        organization: { id: organizationId },
      });
      expect((await gqlOn(b.url, BY_SLUG, { slug }, { token: orgSecret })).data).toMatchObject({
        organization: { id: organizationId },
      });
    }

    const removed = await gqlOn(
      a.url,
      'mutation($input: RemoveOrganizationMemberInput!) { removeOrganizationMember(input: $input) { role } }',
      { input: { organizationId, accountId: member.account.id } },
      { cookie: ownerCookie },
    );
    expect(removed.errors).toBeUndefined();

    // The very next request on B: the organization is gone for the personal token...
    expect(await gqlOn(b.url, BY_SLUG, { slug }, { token: personal.secret })).toEqual({
      data: { organization: null },
    });
    expect(await gqlOn(b.url, MINE, {}, { token: personal.secret })).toEqual({ data: { organizations: [] } });
    const again = await gqlOn(
      b.url,
      CREATE_ORG_TOKEN,
      { input: { name: 'ci', preset: 'READ_ONLY', organizationId } },
      { token: personal.secret },
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // ...but not for the organization token the member made.
    expect((await gqlOn(b.url, BY_SLUG, { slug }, { token: orgSecret })).data).toMatchObject({
      organization: { id: organizationId, members: [{ role: 'OWNER' }] },
    });
  });
});
