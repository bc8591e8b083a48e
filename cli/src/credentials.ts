/**
 * The saved credential: `$XDG_CONFIG_HOME/keyward/credentials.json` (default `~/.config/...`),
 * or `KEYWARD_CREDENTIALS_FILE`. Written atomically with mode 0600; a directory we create is 0700.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, errorMessage, isNodeErrorCode } from './errors.js';
import { readOptionalFile } from './read-file.js';

export interface Credentials {
  token: string;
  /** The server the token was checked against at login. */
  apiUrl?: string;
  /** Who the token belonged to at login (informational). */
  account?: string;
  savedAt?: string;
}

/** Where credentials live: KEYWARD_CREDENTIALS_FILE, else the XDG config dir, else ~/.config. */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.KEYWARD_CREDENTIALS_FILE;
  if (override) return path.resolve(override);
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  const configHome = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.config');
  return path.join(configHome, 'keyward', 'credentials.json');
}

function isDefaultLocation(file: string, env: NodeJS.ProcessEnv): boolean {
  return !env.KEYWARD_CREDENTIALS_FILE && path.basename(path.dirname(file)) === 'keyward';
}

/** The saved credentials, or null when there are none. A corrupt file is an error, not "logged out". */
export function readCredentials(file: string = credentialsPath()): Credentials | null {
  const text = readOptionalFile(file);
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON.`, { hint: 'Run `keyward logout`, then `keyward login`.' });
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('token' in parsed) ||
    typeof parsed.token !== 'string'
  ) {
    throw new CliError(`${file} holds no token.`, { hint: 'Run `keyward logout`, then `keyward login`.' });
  }
  const record = parsed as Record<string, unknown>;
  return {
    token: parsed.token,
    ...(typeof record.apiUrl === 'string' ? { apiUrl: record.apiUrl } : {}),
    ...(typeof record.account === 'string' ? { account: record.account } : {}),
    ...(typeof record.savedAt === 'string' ? { savedAt: record.savedAt } : {}),
  };
}

/** True when group or others may read the file (POSIX only). */
export function credentialsTooOpen(file: string): boolean {
  if (process.platform === 'win32') return false;
  try {
    return (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/**
 * Writes the credentials: a temp file created 0600 beside the target, then renamed over it, so the
 * secret is never readable by others, not even briefly, and a crash leaves the old file intact.
 */
export function writeCredentials(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  const file = credentialsPath(env);
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Our own directory is tightened even if something else created it; a custom location's
  // directory may be shared (e.g. a CI workspace), so only the file itself is restricted there.
  if (isDefaultLocation(file, env) && process.platform !== 'win32') chmodSync(dir, 0o700);
  const temp = path.join(dir, `.credentials-${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new CliError(`Could not write ${file}: ${errorMessage(error)}`);
  }
  return file;
}

/** Deletes the credentials file; false when there was none. */
export function deleteCredentials(file: string = credentialsPath()): boolean {
  try {
    rmSync(file);
    return true;
  } catch (error) {
    if (isNodeErrorCode(error, 'ENOENT')) return false;
    throw new CliError(`Could not delete ${file}: ${errorMessage(error)}`);
  }
}
