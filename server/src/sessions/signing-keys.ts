import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, ConfigError } from '../config.js';
import { deriveKey } from '../crypto.js';

/** An HS256 key for access tokens and the `kid` that names it in a token's header. */
export interface SigningKey {
  kid: string;
  key: Uint8Array;
}

/** New tokens are signed with `current`; tokens naming `previous` still verify until they expire. */
export interface SigningKeys {
  current: SigningKey;
  previous: SigningKey | null;
}

const KEY_FILE = 'secret';
const MIN_SECRET_BYTES = 32;

/**
 * The signing key of a secret: an HMAC of a fixed label, so the operator's secret itself never
 * signs anything and could serve other purposes later. The kid is a hash of the derived key:
 * stable across restarts and instances, and telling nothing about the secret.
 */
export function signingKeyFrom(secret: string): SigningKey {
  const key = deriveKey(secret, 'keyward access-token signing key v1');
  const kid = createHash('sha256').update(key).digest('base64url').slice(0, 16);
  return { kid, key: new Uint8Array(key) };
}

/**
 * The access-token keys: KEYWARD_SECRET (and KEYWARD_SECRET_PREVIOUS) when set; otherwise, outside
 * production, a secret generated once into `<dataDir>/secret` (mode 0600) and reused. Instances
 * that share a database but not a data directory must then share KEYWARD_SECRET instead.
 */
export function resolveSigningKeys(
  config: Pick<Config, 'accessTokenSecret' | 'accessTokenSecretPrevious' | 'dataDir'>,
): SigningKeys {
  const { current, previous } = deploymentSecrets(config);
  return { current: signingKeyFrom(current), previous: previous ? signingKeyFrom(previous) : null };
}

/**
 * The deployment's secret (KEYWARD_SECRET, else outside production the data directory's key file)
 * and the one before its last rotation. Every key is derived from them for one purpose.
 */
export function deploymentSecrets(
  config: Pick<Config, 'accessTokenSecret' | 'accessTokenSecretPrevious' | 'dataDir'>,
): { current: string; previous: string | null } {
  return {
    current: config.accessTokenSecret ?? keyFileSecret(config.dataDir),
    previous: config.accessTokenSecretPrevious,
  };
}

/** Reads the data directory's key file, creating it atomically (link of a complete file) when missing. */
function keyFileSecret(dataDir: string): string {
  const file = path.join(dataDir, KEY_FILE);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const staged = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(staged, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(staged, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(staged);
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `${file} holds fewer than ${MIN_SECRET_BYTES} bytes: delete it to generate a new key, or set KEYWARD_SECRET.`,
    );
  }
  return secret;
}
