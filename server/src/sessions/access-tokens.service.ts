import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { Account } from '../accounts/accounts.entity.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { type RequestMeta, recordAudit } from '../audit/audit.service.js';
import { randomOpaqueToken, sha256Hex } from '../crypto.js';
import { KeywardError } from '../errors.js';
import { isUuid } from '../ids.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import { ownerPermissions } from '../permissions/presets.js';
import type { Principal } from '../principal.js';
import { RefreshToken } from './refresh-token.entity.js';
import type { SigningKey, SigningKeys } from './signing-keys.js';

const ACCESS_TOKEN_SECONDS = 3600;
const REFRESH_TOKEN_DAYS = 30;
const ISSUER = 'keyward';
const AUDIENCE = 'keyward-api';
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'fam'];

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; email: string };
}

/**
 * Programmatic login (Watchplane-style): a signed access token (1 hour) and an opaque refresh
 * token stored hashed. Refresh tokens rotate; presenting a used one revokes its whole family,
 * and with it every access token of that login.
 *
 * An access token is accepted only when signed by a configured key named by its `kid` (the
 * current one, or the previous one during a rotation), carrying `exp`, `iat`, `sub` and `fam`,
 * issued at most an hour ago, and naming a family of its subject that still holds a live
 * (unused, unrevoked, unexpired) refresh token.
 */
export class AccessTokensService {
  constructor(
    private readonly deps: { keys: SigningKeys; accounts: AccountsService; catalogue: PermissionCatalogue },
  ) {}

  looksLikeAccessToken(value: string): boolean {
    return JWT_SHAPE.test(value);
  }

  async login(em: EntityManager, email: string, password: string, meta: RequestMeta): Promise<TokenPair> {
    const account = await this.deps.accounts.authenticate(em, email, password, { meta, via: 'api' });
    return this.issue(em, account, randomUUID());
  }

  async refresh(em: EntityManager, presented: string, meta: RequestMeta): Promise<TokenPair> {
    if (presented.length === 0 || presented.length > 128) throw new KeywardError('invalid_token');
    const outcome = await em.transactional(async (tx) => {
      const [row] = await tx.execute<
        { family_id: string; account_id: string; used: boolean; revoked: boolean; expired: boolean }[]
      >(
        `select family_id, account_id, used_at is not null as used, revoked_at is not null as revoked,
                expires_at <= now() as expired
         from refresh_token where token_hash = ? for update`,
        [sha256Hex(presented)],
      );
      if (!row || row.revoked)
        return { error: new KeywardError('invalid_token', 'This refresh token is no longer valid.') };
      if (row.used) {
        // Reuse means the token leaked (or a client raced itself): end the whole login.
        await tx.execute(
          'update refresh_token set revoked_at = now() where family_id = ? and revoked_at is null',
          [row.family_id],
        );
        recordAudit(tx, {
          action: 'refresh_token.reuse',
          actor: { type: 'system', id: null },
          accountId: row.account_id,
          targetId: row.family_id,
          meta,
          detail: 'login revoked',
        });
        await tx.flush();
        return {
          error: new KeywardError(
            'invalid_token',
            'This refresh token was already used; the login has been revoked.',
          ),
        };
      }
      if (row.expired)
        return { error: new KeywardError('token_expired', 'The refresh token has expired; log in again.') };
      await tx.execute('update refresh_token set used_at = now() where token_hash = ?', [
        sha256Hex(presented),
      ]);
      const account = await tx.findOne(Account, { id: row.account_id });
      if (!account) return { error: new KeywardError('token_user_missing') };
      return { pair: await this.issue(tx, account, row.family_id) };
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.pair;
  }

  /** Verifies an access token into a principal with the account's own permissions. */
  async authenticate(em: EntityManager, jwt: string): Promise<Principal> {
    const { sub, fam } = await this.verifyClaims(jwt);
    const [family] = await em.execute<{ revoked: number; live: number }[]>(
      `select count(*) filter (where revoked_at is not null)::int as revoked,
              count(*) filter (where used_at is null and revoked_at is null and expires_at > now())::int as live
       from refresh_token where family_id = ? and account_id = ?`,
      [fam, sub],
    );
    if ((family?.revoked ?? 0) > 0) throw new KeywardError('token_revoked', 'This login has been revoked.');
    if ((family?.live ?? 0) === 0)
      throw new KeywardError('invalid_token', 'This login has ended; log in again.');
    const account = await em.findOne(Account, { id: sub });
    if (!account) throw new KeywardError('token_user_missing');
    return {
      kind: 'access',
      account,
      familyId: fam,
      permissions: ownerPermissions(account, this.deps.catalogue),
    };
  }

  /** The subject and family of a token signed by a configured key, with every required claim, at most an hour old. */
  private async verifyClaims(jwt: string): Promise<{ sub: string; fam: string }> {
    let claims: { sub?: unknown; fam?: unknown };
    try {
      const key = this.keyNamed(decodeProtectedHeader(jwt).kid);
      if (!key) throw new KeywardError('invalid_token');
      ({ payload: claims } = await jwtVerify(jwt, key.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: REQUIRED_CLAIMS,
        maxTokenAge: ACCESS_TOKEN_SECONDS,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new KeywardError('token_expired', 'The access token has expired.');
      throw new KeywardError('invalid_token');
    }
    const { sub, fam } = claims;
    if (typeof sub !== 'string' || typeof fam !== 'string' || !isUuid(sub) || !isUuid(fam))
      throw new KeywardError('invalid_token');
    return { sub, fam };
  }

  private keyNamed(kid: unknown): SigningKey | null {
    const { current, previous } = this.deps.keys;
    if (kid === current.kid) return current;
    if (previous && kid === previous.kid) return previous;
    return null;
  }

  private async issue(em: EntityManager, account: Account, familyId: string): Promise<TokenPair> {
    const refreshToken = randomOpaqueToken();
    em.persist(
      Object.assign(new RefreshToken(), {
        tokenHash: sha256Hex(refreshToken),
        familyId,
        account: account.id,
        expiresAt: new Date(Date.now() + REFRESH_TOKEN_DAYS * 86_400_000),
      }),
    );
    await em.flush();
    const accessToken = await new SignJWT({ fam: familyId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.deps.keys.current.kid })
      .setSubject(account.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .sign(this.deps.keys.current.key);
    return {
      accessToken,
      refreshToken,
      expiresIn: ACCESS_TOKEN_SECONDS,
      user: { id: account.id, email: account.email },
    };
  }
}
