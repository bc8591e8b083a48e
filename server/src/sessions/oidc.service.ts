import type { EntityManager } from '@mikro-orm/postgresql';
import * as oidc from 'openid-client';
import type { Account } from '../accounts/accounts.entity.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { RequestMeta } from '../audit/audit.service.js';
import type { OidcConfig } from '../config.js';
import { deriveKey, seal, unseal } from '../crypto.js';
import { isKeywardError } from '../errors.js';

/**
 * Why a sign-in did not end in a session, as the login page receives it (`/login?error=…`;
 * docs/api.md, "Sign-in with OpenID Connect").
 */
export type OidcFailure =
  /** State, nonce, PKCE, an expired or missing transaction, a refused code: anything unproven. */
  | 'oidc_failed'
  /** The person cancelled at the provider, or the provider refused them. */
  | 'oidc_denied'
  /** The provider could not be reached (discovery or token request). */
  | 'oidc_unavailable'
  /** The provider did not vouch for the email address (`email_verified` not true, or no email). */
  | 'oidc_email_unverified'
  /** No account has the address. */
  | 'oidc_no_account'
  /** The account that has the address has not verified it with Keyward. */
  | 'oidc_account_unverified';

export class OidcSignInError extends Error {
  constructor(
    readonly reason: OidcFailure,
    /** For the log: the library's error code or the provider's OAuth error, never a code or token. */
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'OidcSignInError';
  }
}

/** One sign-in under way: what the callback must find again, kept sealed in the browser. */
export interface OidcTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  /** The app path to open after signing in. */
  next: string;
  expiresAt: number;
}

/** How long a person has to come back from the provider. */
export const OIDC_TRANSACTION_SECONDS = 600;
const PROVIDER_TIMEOUT_SECONDS = 10;
const SEALING_PURPOSE = 'keyward oidc sign-in transaction v1';

/**
 * Sign-in with OpenID Connect for the web app: the authorization code flow with PKCE (S256), a
 * fresh `state` and `nonce` per attempt, all three kept in a transaction sealed (AES-256-GCM) with
 * a key derived from the deployment's secret and checked on the way back. The provider's
 * verified email address names the account (AccountsService.authenticateVerifiedEmail); the
 * caller then starts a web session, and nothing else: no API token, no programmatic login.
 */
export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | null = null;
  private readonly keys: Buffer[];

  constructor(
    private readonly deps: {
      config: OidcConfig;
      accounts: AccountsService;
      /** The deployment's secrets (current first): the transaction's sealing keys derive from them. */
      secrets: readonly string[];
    },
  ) {
    this.keys = deps.secrets.map((secret) => deriveKey(secret, SEALING_PURPOSE));
  }

  /** The provider's name on the login page. */
  get label(): string {
    return this.deps.config.label;
  }

  /** The provider's authorization URL for a new attempt, and the transaction to keep until the callback. */
  async begin(redirectUri: string, next: string): Promise<{ url: string; sealed: string }> {
    const configuration = await this.discover();
    const transaction: OidcTransaction = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      redirectUri,
      next,
      expiresAt: Date.now() + OIDC_TRANSACTION_SECONDS * 1000,
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email',
      state: transaction.state,
      nonce: transaction.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(transaction.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, sealed: seal(this.keys[0] as Buffer, JSON.stringify(transaction)) };
  }

  /** The transaction a sealed value holds, or null when it does not open, is malformed or has expired. */
  openTransaction(sealed: string | null): OidcTransaction | null {
    if (!sealed || sealed.length > 2048) return null;
    const plain = unseal(this.keys, sealed);
    if (plain === null) return null;
    let parsed: Partial<OidcTransaction>;
    try {
      parsed = JSON.parse(plain) as Partial<OidcTransaction>;
    } catch {
      return null;
    }
    const { state, nonce, codeVerifier, redirectUri, next, expiresAt } = parsed;
    const strings = [state, nonce, codeVerifier, redirectUri, next];
    if (!strings.every((value) => typeof value === 'string' && value !== '')) return null;
    if (typeof expiresAt !== 'number' || expiresAt <= Date.now()) return null;
    return parsed as OidcTransaction;
  }

  /**
   * Completes an attempt from the provider's answer (the callback's query): checks state, trades
   * the code with the PKCE verifier, checks the ID token and its nonce, reads the email claims
   * (from the ID token, else userinfo) and finds the account.
   * @throws OidcSignInError with the reason the login page shows.
   */
  async finish(
    em: EntityManager,
    transaction: OidcTransaction | null,
    query: URLSearchParams,
    meta: RequestMeta,
  ): Promise<{ account: Account; next: string }> {
    if (!transaction) throw new OidcSignInError('oidc_failed', 'no sign-in under way in this browser');
    // The library checks it too; checked first here, nothing the provider said counts without it.
    if (query.get('state') !== transaction.state)
      throw new OidcSignInError('oidc_failed', 'state does not match this browser’s sign-in');
    const configuration = await this.discover();
    const email = await this.verifiedEmail(configuration, transaction, query);
    try {
      const account = await this.deps.accounts.authenticateVerifiedEmail(em, email, meta);
      return { account, next: transaction.next };
    } catch (error) {
      if (!isKeywardError(error)) throw error;
      if (error.code === 'invalid_credentials') throw new OidcSignInError('oidc_no_account', error.code);
      if (error.code === 'email_not_verified')
        throw new OidcSignInError('oidc_account_unverified', error.code);
      throw new OidcSignInError('oidc_failed', error.code);
    }
  }

  private async verifiedEmail(
    configuration: oidc.Configuration,
    transaction: OidcTransaction,
    query: URLSearchParams,
  ): Promise<string> {
    // The redirect URI the code was issued for, with the provider's answer as its query.
    const callbackUrl = new URL(transaction.redirectUri);
    callbackUrl.search = query.toString();
    let claims: { sub: string; email?: unknown; email_verified?: unknown };
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        pkceCodeVerifier: transaction.codeVerifier,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new OidcSignInError('oidc_failed', 'no ID token');
      claims = idToken;
      // Providers that keep the email claims out of the ID token give them at userinfo.
      if (typeof claims.email !== 'string' || claims.email_verified === undefined)
        claims = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
    } catch (error) {
      throw failureOf(error);
    }
    const verified = claims.email_verified === true || claims.email_verified === 'true';
    if (typeof claims.email !== 'string' || claims.email === '' || !verified)
      throw new OidcSignInError('oidc_email_unverified', 'email_verified is not true');
    return claims.email;
  }

  /** The provider's metadata, fetched once; a failed fetch is tried again on the next attempt. */
  private discover(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const { issuer, clientId, clientSecret } = this.deps.config;
      const pending = oidc
        .discovery(new URL(issuer), clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
          timeout: PROVIDER_TIMEOUT_SECONDS,
          // Plain http only reaches a provider on this machine (config.ts refuses it elsewhere).
          ...(issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : {}),
        })
        .catch((error: unknown) => {
          this.configuration = null;
          throw new OidcSignInError('oidc_unavailable', errorDetail(error));
        });
      this.configuration = pending;
    }
    return this.configuration;
  }
}

/** The library's error as a sign-in failure: a refusal at the provider, an unreachable provider, or unproven. */
function failureOf(error: unknown): OidcSignInError {
  if (error instanceof OidcSignInError) return error;
  if (error instanceof oidc.AuthorizationResponseError && error.error === 'access_denied')
    return new OidcSignInError('oidc_denied', error.error);
  // fetch rejects with a TypeError without a code, or an abort when the timeout passes; the
  // library's own TypeErrors carry a code.
  const name = (error as Error | null)?.name;
  const network =
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    (error instanceof TypeError && (error as { code?: unknown }).code === undefined);
  return new OidcSignInError(network ? 'oidc_unavailable' : 'oidc_failed', errorDetail(error));
}

/** A loggable description: the library's code and the provider's OAuth error name, nothing the provider sent besides. */
function errorDetail(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError)
    return `${error.code}: ${error.error}`;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : ((error as Error).name ?? 'error');
}
