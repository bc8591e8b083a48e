import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { Account } from '../accounts/accounts.entity.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { type RequestMeta, recordAudit } from '../audit/audit.service.js';
import { randomOpaqueToken, sha256Hex } from '../crypto.js';
import { KeywardError } from '../errors.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import { ownerPermissions } from '../permissions/presets.js';
import type { Principal } from '../principal.js';
import { RefreshToken } from './refresh-token.entity.js';

const ACCESS_TOKEN_SECONDS = 3600;
const REFRESH_TOKEN_DAYS = 30;
const ISSUER = 'keyward';
const AUDIENCE = 'keyward-api';
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

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
 */
export class AccessTokensService {
  private key: Promise<Uint8Array> | null = null;

  constructor(
    private readonly deps: { em: EntityManager; accounts: AccountsService; catalogue: PermissionCatalogue },
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
    let claims: { sub?: string; fam?: unknown };
    try {
      ({ payload: claims } = await jwtVerify(jwt, await this.signingKey(), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new KeywardError('token_expired', 'The access token has expired.');
      throw new KeywardError('invalid_token');
    }
    if (typeof claims.sub !== 'string' || typeof claims.fam !== 'string')
      throw new KeywardError('invalid_token');
    const [revoked] = await em.execute<{ n: number }[]>(
      'select count(*)::int as n from refresh_token where family_id = ? and revoked_at is not null',
      [claims.fam],
    );
    if ((revoked?.n ?? 0) > 0) throw new KeywardError('token_revoked', 'This login has been revoked.');
    const account = await em.findOne(Account, { id: claims.sub });
    if (!account) throw new KeywardError('token_user_missing');
    return {
      kind: 'access',
      account,
      familyId: claims.fam,
      permissions: ownerPermissions(account, this.deps.catalogue),
    };
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
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(account.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .sign(await this.signingKey());
    return {
      accessToken,
      refreshToken,
      expiresIn: ACCESS_TOKEN_SECONDS,
      user: { id: account.id, email: account.email },
    };
  }

  /** One key for every instance: created once in the database, then cached. */
  private signingKey(): Promise<Uint8Array> {
    this.key ??= (async () => {
      const em = this.deps.em.fork();
      await em.execute(
        "insert into server_secret (name, value) values ('access-token-key', ?) on conflict (name) do nothing",
        [randomBytes(32).toString('base64url')],
      );
      const [row] = await em.execute<{ value: string }[]>(
        "select value from server_secret where name = 'access-token-key'",
      );
      return new Uint8Array(Buffer.from(row!.value, 'base64url'));
    })().catch((error: unknown) => {
      this.key = null;
      throw error;
    });
    return this.key;
  }
}
