/**
 * A real OpenID provider (the `oidc-provider` package) on 127.0.0.1, for the sign-in tests, and a
 * small browser that follows its redirects with a cookie jar of its own.
 *
 * The provider's login and consent screens are replaced by an interaction that signs in whoever
 * `signInAs` names and grants `openid email`, so a test decides the identity (sub, email,
 * email_verified) the provider vouches for. With `{ pages: 'provider' }` the provider shows its own
 * login and consent pages instead (its development interactions: any password, the login is the
 * `sub`), for a real browser to fill in; `signInAs` then only says which claims that `sub` has.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

export interface ProviderIdentity {
  sub: string;
  email?: string;
  email_verified?: boolean;
  /** The person declines at the provider: the client gets `error=access_denied`. */
  declines?: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Whom the next interaction signs in. */
  signInAs(identity: ProviderIdentity): void;
  /** Registers Keyward's callback once its URL is known (the provider starts first). */
  start(redirectUri: string): void;
  close(): Promise<void>;
}

/** Listens at once (so the issuer URL is known); answers 503 until `start` gives it Keyward's callback. */
export async function startOidcProvider(
  options: { pages?: 'none' | 'provider' } = {},
): Promise<TestOidcProvider> {
  const providerPages = options.pages === 'provider';
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'keyward-test';
  const clientSecret = 'a client secret only this test knows';
  let identity: ProviderIdentity = { sub: 'nobody' };
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' };

  return {
    issuer,
    clientId,
    clientSecret,
    signInAs: (next) => {
      identity = next;
    },
    start: (redirectUri) => {
      const configuration: Configuration = {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code'],
            response_types: ['code'],
          },
        ],
        // A confidential client may skip PKCE by default; Keyward must send it anyway, and a code
        // minted for one challenge must not be redeemable with another verifier.
        pkce: { required: () => true },
        claims: { openid: ['sub'], email: ['email', 'email_verified'] },
        findAccount: (_ctx, sub) => ({
          accountId: sub,
          claims: () => {
            const { declines: _declines, ...claims } = identity;
            return sub === identity.sub ? claims : { sub };
          },
        }),
        features: { devInteractions: { enabled: providerPages } },
        ...(providerPages
          ? {}
          : { interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` } }),
        cookies: { keys: ['test cookie key of the provider'] },
        jwks: { keys: [signingKey] },
        ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
      };
      const provider = new Provider(issuer, configuration);
      const callback = provider.callback();
      handler = (req, res) => {
        if (!providerPages && req.url?.startsWith('/interaction/')) {
          finishInteraction(provider, req, res, identity).catch((error: unknown) => {
            res.writeHead(500).end(String(error));
          });
          return;
        }
        callback(req, res);
      };
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Signs in `identity` and grants what the client asked for: no screen, one redirect back. */
async function finishInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  identity: ProviderIdentity,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (identity.declines) {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The person declined.' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: identity.sub } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const grant = new provider.Grant({
    accountId: details.session?.accountId ?? identity.sub,
    clientId: String(details.params.client_id),
  });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/**
 * A browser's cookie jar and redirect following, reduced to what the sign-in flow needs: cookies
 * per origin (name=value only), GETs, `Location` followed until a stop condition.
 */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  cookieHeader(url: string): string {
    const cookies = this.jar.get(new URL(url).origin);
    return cookies ? [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') : '';
  }

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).origin)?.get(name);
  }

  setCookie(url: string, name: string, value: string | null): void {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    if (value === null) cookies.delete(name);
    else cookies.set(name, value);
    this.jar.set(origin, cookies);
  }

  /** One GET with the jar's cookies; the response's Set-Cookie headers update the jar. */
  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const cookie = this.cookieHeader(url);
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      this.setCookie(url, name, expired || value === '' ? null : value);
    }
    return response;
  }

  /**
   * Follows redirects from `url` until one points at a URL `stop` accepts (returned unvisited), or
   * a response is not a redirect (an error then, with its body).
   */
  async followUntil(url: string, stop: (next: URL) => boolean): Promise<URL> {
    let current = url;
    for (let hop = 0; hop < 20; hop++) {
      const response = await this.get(current);
      const location = response.headers.get('location');
      await response.arrayBuffer();
      if (response.status < 300 || response.status >= 400 || !location)
        throw new Error(`${current} answered ${response.status} instead of a redirect`);
      const next = new URL(location, current);
      if (stop(next)) return next;
      current = next.href;
    }
    throw new Error('too many redirects');
  }
}
