/**
 * What every command needs: the server URL and the token to present.
 * Server: --api-url > KEYWARD_API_URL > the URL saved at login > http://localhost:4000.
 * Token: KEYWARD_TOKEN > the saved credentials file.
 */
import { type ApiClient, createApiClient } from './api.js';
import { type Credentials, credentialsPath, credentialsTooOpen, readCredentials } from './credentials.js';
import { CliError, usageError } from './errors.js';
import { warn } from './output.js';

export const DEFAULT_API_URL = 'http://localhost:4000';

export interface GlobalOptions {
  apiUrl?: string;
}

export interface ResolvedToken {
  value: string;
  source: 'env' | 'file';
}

export interface CommandContext {
  apiUrl: string;
  api: ApiClient;
  credentialsFile: string;
  /** The token to present, or null when none is configured. Read lazily: not every command needs it. */
  token(): ResolvedToken | null;
  /** Like token(), but "not logged in" is an error. */
  requireToken(): string;
}

/** An http(s) base URL without a trailing slash; anything else is a usage error. */
export function normalizeApiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw usageError(`Invalid server URL "${raw}".`, 'Use a URL such as http://localhost:4000.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`Invalid server URL "${raw}": use http:// or https://.`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function isLoopback(apiUrl: string): boolean {
  const host = new URL(apiUrl).hostname;
  return host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '[::1]';
}

export function createContext(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): CommandContext {
  const credentialsFile = credentialsPath(env);
  let saved: Credentials | null | undefined;
  const loadSaved = () => {
    if (saved === undefined) saved = readCredentials(credentialsFile);
    return saved;
  };
  const envToken = env.KEYWARD_TOKEN?.trim() || null;
  const explicitUrl = globals.apiUrl ?? (env.KEYWARD_API_URL || undefined);
  // The saved URL only matters when nothing explicit is given; reading it must not fail other commands.
  const savedUrl = explicitUrl === undefined ? safeSavedUrl(loadSaved) : undefined;
  const apiUrl = normalizeApiUrl(explicitUrl ?? savedUrl ?? DEFAULT_API_URL);
  let warned = false;

  const token = (): ResolvedToken | null => {
    const resolved: ResolvedToken | null = envToken
      ? { value: envToken, source: 'env' }
      : (() => {
          const credentials = loadSaved();
          return credentials ? { value: credentials.token, source: 'file' as const } : null;
        })();
    if (resolved && !warned) {
      warned = true;
      if (resolved.source === 'file' && credentialsTooOpen(credentialsFile)) {
        warn(`${credentialsFile} is readable by other users; run: chmod 600 '${credentialsFile}'`);
      }
      if (new URL(apiUrl).protocol === 'http:' && !isLoopback(apiUrl)) {
        warn(`sending your token over plain http to ${apiUrl}; use https for remote servers.`);
      }
    }
    return resolved;
  };

  return {
    apiUrl,
    api: createApiClient(apiUrl),
    credentialsFile,
    token,
    requireToken() {
      const resolved = token();
      if (!resolved) {
        throw new CliError('Not logged in.', {
          code: 'not_logged_in',
          hint: 'Run `keyward login` (or set KEYWARD_TOKEN).',
        });
      }
      return resolved.value;
    },
  };
}

function safeSavedUrl(load: () => Credentials | null): string | undefined {
  try {
    return load()?.apiUrl;
  } catch {
    return undefined;
  }
}
