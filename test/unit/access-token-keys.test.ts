import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config.js';
import { resolveSigningKeys, signingKeyFrom } from '../../server/src/sessions/signing-keys.js';

const CWD = '/srv/keyward';
const SECRET = 'k'.repeat(40);
const PRODUCTION = { NODE_ENV: 'production', KEYWARD_PUBLIC_URL: 'https://keys.example.com' };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted the environment');
}

const dirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyward-keys-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('KEYWARD_SECRET', () => {
  it('is required in production, and the error names the variable', () => {
    expect(configError(PRODUCTION).message).toMatch(/KEYWARD_SECRET/);
    expect(loadConfig({ ...PRODUCTION, KEYWARD_SECRET: SECRET }, CWD).accessTokenSecret).toBe(SECRET);
  });

  it.each<[string, Record<string, string>, string]>([
    ['KEYWARD_SECRET', { KEYWARD_SECRET: 'short-secret' }, 'short-secret'],
    [
      'KEYWARD_SECRET_PREVIOUS',
      { KEYWARD_SECRET: SECRET, KEYWARD_SECRET_PREVIOUS: 'x'.repeat(31) },
      'xxxxxxxx',
    ],
  ])('%s shorter than 32 bytes is a ConfigError naming it, never echoing the value', (name, env, value) => {
    const error = configError(env);
    expect(error.message).toMatch(new RegExp(`^${name} must be at least 32 bytes`));
    expect(error.message).not.toContain(value);
  });

  it('is optional in development and test (null: the key file in the data directory is used)', () => {
    expect(loadConfig({}, CWD).accessTokenSecret).toBeNull();
    expect(loadConfig({ NODE_ENV: 'test' }, CWD).accessTokenSecretPrevious).toBeNull();
  });
});

describe('signing keys', () => {
  it('derive a stable kid from the secret; different secrets give different kids and keys', () => {
    const a = signingKeyFrom(SECRET);
    expect(signingKeyFrom(SECRET)).toEqual(a);
    const b = signingKeyFrom('z'.repeat(40));
    expect(b.kid).not.toBe(a.kid);
    expect(Buffer.from(b.key).equals(Buffer.from(a.key))).toBe(false);
    expect(a.kid).not.toContain(SECRET.slice(0, 8));
  });

  it('without KEYWARD_SECRET, generates a 0600 key file in the data directory once and reuses it', () => {
    const dataDir = tempDataDir();
    const config = loadConfig({ KEYWARD_DATA_DIR: dataDir }, CWD);
    const first = resolveSigningKeys(config);
    const file = path.join(dataDir, 'secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.byteLength(readFileSync(file, 'utf8').trim())).toBeGreaterThanOrEqual(32);
    expect(resolveSigningKeys(config).current).toEqual(first.current);
    expect(first.previous).toBeNull();
  });

  it('with KEYWARD_SECRET, writes no file and signs with that secret; KEYWARD_SECRET_PREVIOUS adds the previous key', () => {
    const dataDir = tempDataDir();
    const keys = resolveSigningKeys(
      loadConfig(
        { KEYWARD_DATA_DIR: dataDir, KEYWARD_SECRET: SECRET, KEYWARD_SECRET_PREVIOUS: 'p'.repeat(32) },
        CWD,
      ),
    );
    expect(keys.current).toEqual(signingKeyFrom(SECRET));
    expect(keys.previous).toEqual(signingKeyFrom('p'.repeat(32)));
    expect(() => statSync(path.join(dataDir, 'secret'))).toThrow();
  });
});
