/**
 * Seeds for organization tests: people with web sessions, an organization with an owner, an
 * admin, a member and an outsider (who owns an organization of their own), and tokens, personal
 * or the organization's.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Account } from '../../server/src/accounts/accounts.entity.js';
import type { TokenInput } from '../../server/src/tokens/token-rules.js';
import { type SeededToken, seedToken } from './auth-matrix.js';
import type { GqlResponse, SeedAccountOptions, TestServer } from './harness.js';

export type OrgRole = 'OWNER' | 'ADMIN' | 'MEMBER';

export interface Person {
  account: Account;
  id: string;
  email: string;
  cookie: string;
}

export interface SeededOrg {
  id: string;
  slug: string;
  people: Record<OrgRole | 'outsider', Person>;
  /** The outsider's own organization. */
  other: { id: string; slug: string };
}

export function errorCode(response: GqlResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code ?? null;
}

export function errorMessage(response: GqlResponse): string {
  return response.body.errors?.[0]?.message ?? '';
}

export async function person(server: TestServer, options: SeedAccountOptions = {}): Promise<Person> {
  const { account, email, password } = await server.seedAccount({ plan: 'team', ...options });
  return { account, id: account.id, email, cookie: await server.login(email, password) };
}

const CREATE = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`;
const ADD = `mutation($input: AddOrganizationMemberInput!) { addOrganizationMember(input: $input) { role } }`;

export async function createOrg(server: TestServer, owner: Person): Promise<{ id: string; slug: string }> {
  const slug = `org-${randomUUID().slice(0, 13)}`;
  const response = await server.gql<{ createOrganization: { id: string } }>(
    CREATE,
    { input: { name: `Org ${slug}`, slug } },
    { cookie: owner.cookie },
  );
  expect(response.body.errors).toBeUndefined();
  return { id: response.body.data!.createOrganization.id, slug };
}

export async function addMember(
  server: TestServer,
  owner: Person,
  organizationId: string,
  member: Person,
  role: OrgRole,
): Promise<void> {
  const response = await server.gql(
    ADD,
    { input: { organizationId, email: member.email, role } },
    { cookie: owner.cookie },
  );
  expect(response.body.errors).toBeUndefined();
}

/** An organization with an owner, an admin and a member; the outsider owns another organization. */
export async function seedOrg(server: TestServer): Promise<SeededOrg> {
  const [owner, admin, member, outsider] = await Promise.all([
    person(server),
    person(server),
    person(server),
    person(server),
  ]);
  const org = await createOrg(server, owner);
  await addMember(server, owner, org.id, admin, 'ADMIN');
  await addMember(server, owner, org.id, member, 'MEMBER');
  const other = await createOrg(server, outsider);
  return { ...org, people: { OWNER: owner, ADMIN: admin, MEMBER: member, outsider }, other };
}

/** A personal token of `owner`, created through the real service. */
export function personalToken(
  server: TestServer,
  owner: Person | Account,
  input: Partial<TokenInput> = {},
): Promise<SeededToken> {
  return seedToken(server, 'account' in owner ? owner.account : owner, { name: 'personal', ...input });
}

/**
 * An organization token. Creating one is the organization-tokens work (createToken with
 * organizationId); until that is merged here, a token is created for `creator` and given to the
 * organization with SQL (api_token.organization_id), which is all an organization token is in storage.
 */
export async function organizationToken(
  server: TestServer,
  organizationId: string,
  creator: Person,
  input: Partial<TokenInput> = {},
): Promise<SeededToken> {
  const token = await seedToken(server, creator.account, { name: 'organization', ...input });
  await server.sql('update api_token set organization_id = $1 where id = $2', [organizationId, token.id]);
  return token;
}

/** Sets a token's creation instant (and keeps its lifetime rules meaningful for policy tests). */
export async function setCreatedAt(server: TestServer, tokenId: string, createdAt: Date): Promise<void> {
  await server.sql('update api_token set created_at = $1 where id = $2', [createdAt, tokenId]);
}
