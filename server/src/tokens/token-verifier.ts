import type { EntityManager } from '@mikro-orm/postgresql';
import { Account, type Plan, type Role } from '../accounts/accounts.entity.js';
import { KeywardError } from '../errors.js';
import type { PermissionPreset } from '../permissions/presets.js';
import type { VerifiedToken } from '../principal.js';
import { hashTokenSecret, isWellFormedTokenSecret } from './token-secret.js';

interface TokenRow {
  id: string;
  account_id: string | null;
  name: string;
  display_prefix: string;
  preset: PermissionPreset;
  permissions: string[] | null;
  expires_at: Date | null;
  active: boolean;
  revoked: boolean;
  expired: boolean;
  rate_limit_per_minute: number | null;
  a_id: string | null;
  a_email: string;
  a_name: string;
  a_email_verified: boolean;
  a_plan: Plan;
  a_role: Role;
  a_created_at: Date;
}

// Expiry is judged by the database clock, in the same statement that finds the token.
const VERIFY_SQL = `
  select t.id, t.account_id, t.name, t.display_prefix, t.preset, t.permissions, t.expires_at, t.active,
         t.revoked_at is not null as revoked, coalesce(t.expires_at <= now(), false) as expired,
         t.rate_limit_per_minute,
         a.id as a_id, a.email as a_email, a.name as a_name, a.email_verified as a_email_verified, a.plan as a_plan, a.role as a_role, a.created_at as a_created_at
  from api_token t left join account a on a.id = t.account_id
  where t.secret_hash = ?`;

export interface TokenVerification {
  token: VerifiedToken;
  account: Account;
}

/**
 * The one verification path for API tokens (GraphQL and REST alike). Checks, in order:
 * format and checksum (no database access for garbage) → hash lookup → revoked → owner exists
 * → expired → inactive. Throws the matching KeywardError; never sees or returns the secret again.
 */
export class TokenVerifier {
  constructor(private readonly deps: { em: EntityManager; prefix: string; defaultRate: number }) {}

  async verify(secret: string): Promise<TokenVerification> {
    if (!isWellFormedTokenSecret(secret, this.deps.prefix)) throw new KeywardError('invalid_token');
    const rows = await this.deps.em.fork().execute<TokenRow[]>(VERIFY_SQL, [hashTokenSecret(secret)]);
    const row = rows[0];
    if (!row) throw new KeywardError('invalid_token');
    if (row.revoked) throw new KeywardError('token_revoked');
    if (!row.a_id || !row.account_id) throw new KeywardError('token_user_missing');
    if (row.expired) throw new KeywardError('token_expired');
    if (!row.active) throw new KeywardError('token_inactive');
    const account = Object.assign(new Account(), {
      id: row.a_id,
      email: row.a_email,
      name: row.a_name,
      // Never loaded on this path: a principal has no use for it.
      passwordHash: '',
      emailVerified: row.a_email_verified,
      plan: row.a_plan,
      role: row.a_role,
      createdAt: row.a_created_at,
    });
    return {
      account,
      token: {
        id: row.id,
        accountId: row.account_id,
        name: row.name,
        displayPrefix: row.display_prefix,
        preset: row.preset,
        permissions: row.permissions,
        expiresAt: row.expires_at,
        rateLimitPerMinute: row.rate_limit_per_minute ?? this.deps.defaultRate,
      },
    };
  }
}
