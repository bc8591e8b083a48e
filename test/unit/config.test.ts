import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config.js';

const CWD = '/srv/keyward';

function errorFrom(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses documented defaults when the environment is empty', () => {
    const config = loadConfig({}, CWD);
    expect(config).toMatchObject({
      nodeEnv: 'development',
      isProduction: false,
      port: 4000,
      host: '0.0.0.0',
      databaseUrl: null,
      redisUrl: null,
      publicUrl: null,
      smtpUrl: null,
      mailFrom: 'Keyward <no-reply@keyward.local>',
      tokenPrefix: 'kw',
      maxTokensPerAccount: 20,
      maxTokenRate: 10_000,
      dataDir: path.join(CWD, '.keyward'),
      logLevel: 'info',
      trustProxy: false,
      sessionIdleHours: 24 * 7,
      sessionAbsoluteDays: 30,
    });
  });

  it('keeps logs silent by default under NODE_ENV=test', () => {
    expect(loadConfig({ NODE_ENV: 'test' }, CWD).logLevel).toBe('silent');
  });

  it('treats empty strings as unset for numbers and URLs', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '  ', KEYWARD_MAX_TOKENS: '' }, CWD);
    expect(config.port).toBe(4000);
    expect(config.databaseUrl).toBeNull();
    expect(config.maxTokensPerAccount).toBe(20);
  });

  it('applies every override from the environment', () => {
    const env = {
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://u:p@db.internal:5432/keyward',
      REDIS_URL: 'rediss://cache.internal:6380',
      KEYWARD_PUBLIC_URL: 'https://keys.example.com/some/path',
      KEYWARD_SECRET: 'a'.repeat(32),
      SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465',
      KEYWARD_MAIL_FROM: 'Keys <keys@example.com>',
      KEYWARD_TOKEN_PREFIX: 'acme2',
      KEYWARD_MAX_TOKENS: '50',
      KEYWARD_MAX_TOKEN_RATE: '500',
      KEYWARD_DATA_DIR: 'var/data',
      LOG_LEVEL: 'warn',
      KEYWARD_TRUST_PROXY: 'yes',
      KEYWARD_SESSION_IDLE_HOURS: '12',
      KEYWARD_SESSION_ABSOLUTE_DAYS: '7',
    };
    const config = loadConfig(env, CWD);
    expect(config).toMatchObject({
      nodeEnv: 'production',
      isProduction: true,
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://u:p@db.internal:5432/keyward',
      redisUrl: 'rediss://cache.internal:6380',
      publicUrl: 'https://keys.example.com',
      smtpUrl: 'smtps://mailer:pw@smtp.example.com:465',
      mailFrom: 'Keys <keys@example.com>',
      tokenPrefix: 'acme2',
      maxTokensPerAccount: 50,
      maxTokenRate: 500,
      dataDir: path.join(CWD, 'var/data'),
      logLevel: 'warn',
      trustProxy: 1,
      sessionIdleHours: 12,
      sessionAbsoluteDays: 7,
    });
    expect(config.env).toBe(env);
  });

  it('keeps an absolute KEYWARD_DATA_DIR as given', () => {
    expect(loadConfig({ KEYWARD_DATA_DIR: '/var/lib/keyward' }, CWD).dataDir).toBe('/var/lib/keyward');
  });

  it.each([
    ['1', 1],
    ['2', 2],
    // `true` is one hop: trusting every hop would let a client choose its own address.
    ['true', 1],
    ['TRUE', 1],
    [' on ', 1],
    ['yes', 1],
    ['0', false],
    ['false', false],
    ['no', false],
    ['Off', false],
    ['10.0.0.0/8, 192.168.1.1', ['10.0.0.0/8', '192.168.1.1']],
    ['loopback,fd00::/8', ['loopback', 'fd00::/8']],
  ])('reads KEYWARD_TRUST_PROXY=%j as %j', (raw, expected) => {
    expect(loadConfig({ KEYWARD_TRUST_PROXY: raw }, CWD).trustProxy).toEqual(expected);
  });

  it('refuses to start in production without KEYWARD_PUBLIC_URL, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', KEYWARD_SECRET: 'a'.repeat(32) }, CWD)).toThrow(
      /^KEYWARD_PUBLIC_URL is required in production/,
    );
    expect(
      loadConfig(
        {
          NODE_ENV: 'production',
          KEYWARD_PUBLIC_URL: 'https://k.example.com',
          KEYWARD_SECRET: 'a'.repeat(32),
        },
        CWD,
      ).publicUrl,
    ).toBe('https://k.example.com');
  });

  it('reads KEYWARD_CORS_ORIGINS as a set of origins and refuses anything that is not one', () => {
    expect([
      ...loadConfig({ KEYWARD_CORS_ORIGINS: 'https://a.example.com, http://localhost:5173' }, CWD)
        .corsOrigins,
    ]).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(() => loadConfig({ KEYWARD_CORS_ORIGINS: 'https://a.example.com/path' }, CWD)).toThrow(
      /KEYWARD_CORS_ORIGINS/,
    );
    expect(() => loadConfig({ KEYWARD_CORS_ORIGINS: '*' }, CWD)).toThrow(/KEYWARD_CORS_ORIGINS/);
  });

  it.each([
    ['0', 0],
    ['65535', 65_535],
  ])('accepts PORT=%s at the edge of the valid range', (raw, expected) => {
    expect(loadConfig({ PORT: raw }, CWD).port).toBe(expected);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a non-numeric PORT', { PORT: 'http' }, /^PORT must be a whole number, got "http"/],
    ['a negative PORT', { PORT: '-1' }, /^PORT must be a whole number/],
    ['a fractional PORT', { PORT: '80.5' }, /^PORT must be a whole number/],
    ['a PORT above 65535', { PORT: '70000' }, /^PORT must be between 0 and 65535, got 70000/],
    [
      'a DATABASE_URL with the wrong protocol',
      { DATABASE_URL: 'mysql://db/keyward' },
      /^DATABASE_URL must use postgres: or postgresql:, got mysql:/,
    ],
    ['a DATABASE_URL that is not a URL', { DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
    [
      'a REDIS_URL with the wrong protocol',
      { REDIS_URL: 'http://cache:6379' },
      /^REDIS_URL must use redis: or rediss:/,
    ],
    [
      'a KEYWARD_PUBLIC_URL with the wrong protocol',
      { KEYWARD_PUBLIC_URL: 'ftp://keys.example.com' },
      /^KEYWARD_PUBLIC_URL must use http: or https:/,
    ],
    [
      'an SMTP_URL with the wrong protocol',
      { SMTP_URL: 'http://smtp.example.com' },
      /^SMTP_URL must use smtp: or smtps:/,
    ],
    [
      'an uppercase KEYWARD_TOKEN_PREFIX',
      { KEYWARD_TOKEN_PREFIX: 'KW' },
      /^KEYWARD_TOKEN_PREFIX must be 2–16 lowercase letters or digits starting with a letter, got "KW"/,
    ],
    ['a one-letter KEYWARD_TOKEN_PREFIX', { KEYWARD_TOKEN_PREFIX: 'k' }, /^KEYWARD_TOKEN_PREFIX must be/],
    [
      'a KEYWARD_TOKEN_PREFIX starting with a digit',
      { KEYWARD_TOKEN_PREFIX: '1kw' },
      /^KEYWARD_TOKEN_PREFIX must be/,
    ],
    [
      'a KEYWARD_TOKEN_PREFIX with punctuation',
      { KEYWARD_TOKEN_PREFIX: 'kw_' },
      /^KEYWARD_TOKEN_PREFIX must be/,
    ],
    [
      'a KEYWARD_TOKEN_PREFIX longer than 16',
      { KEYWARD_TOKEN_PREFIX: 'abcdefghijklmnopq' },
      /^KEYWARD_TOKEN_PREFIX must be/,
    ],
    ['an empty KEYWARD_TOKEN_PREFIX', { KEYWARD_TOKEN_PREFIX: '' }, /^KEYWARD_TOKEN_PREFIX must be/],
    [
      'an unknown NODE_ENV',
      { NODE_ENV: 'staging' },
      /^NODE_ENV must be development, production or test, got "staging"/,
    ],
    [
      'a NODE_ENV in the wrong case',
      { NODE_ENV: 'Production' },
      /^NODE_ENV must be development, production or test/,
    ],
    [
      'a KEYWARD_TRUST_PROXY that is neither a hop count nor addresses',
      { KEYWARD_TRUST_PROXY: 'maybe' },
      /^KEYWARD_TRUST_PROXY must be a hop count or a comma-separated list of proxy addresses or CIDR ranges/,
    ],
    [
      'a KEYWARD_MAX_TOKENS of zero',
      { KEYWARD_MAX_TOKENS: '0' },
      /^KEYWARD_MAX_TOKENS must be between 1 and 100000, got 0/,
    ],
    [
      'a KEYWARD_MAX_TOKENS above the limit',
      { KEYWARD_MAX_TOKENS: '100001' },
      /^KEYWARD_MAX_TOKENS must be between 1 and 100000/,
    ],
    [
      'a non-numeric KEYWARD_MAX_TOKENS',
      { KEYWARD_MAX_TOKENS: 'lots' },
      /^KEYWARD_MAX_TOKENS must be a whole number, got "lots"/,
    ],
    [
      'a KEYWARD_MAX_TOKEN_RATE of zero',
      { KEYWARD_MAX_TOKEN_RATE: '0' },
      /^KEYWARD_MAX_TOKEN_RATE must be between 1 and 1000000/,
    ],
    [
      'a KEYWARD_SESSION_IDLE_HOURS above a year',
      { KEYWARD_SESSION_IDLE_HOURS: '9000' },
      /^KEYWARD_SESSION_IDLE_HOURS must be between 1 and 8760/,
    ],
    [
      'a KEYWARD_SESSION_ABSOLUTE_DAYS of zero',
      { KEYWARD_SESSION_ABSOLUTE_DAYS: '0' },
      /^KEYWARD_SESSION_ABSOLUTE_DAYS must be between 1 and 365/,
    ],
  ])('fails fast on %s with a message naming the variable', (_case, env, message) => {
    const error = errorFrom(env);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(message);
  });

  it('never echoes a DATABASE_URL password back in the error for a bad protocol', () => {
    const error = errorFrom({ DATABASE_URL: 'mysql://root:hunter2@db/keyward' });
    expect(error.message).not.toContain('hunter2');
  });
});

describe('loadConfig: sign-in with OpenID Connect', () => {
  const google = {
    KEYWARD_OIDC_ISSUER: 'https://accounts.google.com',
    KEYWARD_OIDC_CLIENT_ID: 'client-id.apps.googleusercontent.com',
    KEYWARD_OIDC_CLIENT_SECRET: 'the client secret',
  };

  it('is off when none of the three variables is set (blank counts as unset)', () => {
    expect(loadConfig({}, CWD).oidc).toBeNull();
    expect(loadConfig({ KEYWARD_OIDC_ISSUER: ' ', KEYWARD_OIDC_CLIENT_ID: '' }, CWD).oidc).toBeNull();
  });

  it('reads all three, and labels Google’s issuer "Google" and any other by its host name', () => {
    expect(loadConfig(google, CWD).oidc).toEqual({
      issuer: 'https://accounts.google.com',
      clientId: 'client-id.apps.googleusercontent.com',
      clientSecret: 'the client secret',
      label: 'Google',
    });
    const other = loadConfig(
      { ...google, KEYWARD_OIDC_ISSUER: 'https://login.example.com/realms/staff' },
      CWD,
    );
    expect(other.oidc?.label).toBe('login.example.com');
    const labelled = loadConfig({ ...google, KEYWARD_OIDC_LABEL: 'Example SSO' }, CWD);
    expect(labelled.oidc?.label).toBe('Example SSO');
  });

  it.each([['KEYWARD_OIDC_ISSUER'], ['KEYWARD_OIDC_CLIENT_ID'], ['KEYWARD_OIDC_CLIENT_SECRET']])(
    'refuses to start when only %s is missing, naming it',
    (missing) => {
      const error = errorFrom({ ...google, [missing]: '' });
      expect(error.message).toMatch(
        /KEYWARD_OIDC_ISSUER, KEYWARD_OIDC_CLIENT_ID, KEYWARD_OIDC_CLIENT_SECRET together/,
      );
      expect(error.message).toContain(`${missing} is not set`);
    },
  );

  it('refuses one variable alone, naming the two missing', () => {
    const error = errorFrom({ KEYWARD_OIDC_CLIENT_ID: 'x' });
    expect(error.message).toContain('KEYWARD_OIDC_ISSUER and KEYWARD_OIDC_CLIENT_SECRET are not set');
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['an issuer that is not a URL', { KEYWARD_OIDC_ISSUER: 'accounts.google.com' }, /not a valid URL/],
    [
      'a plain-http issuer elsewhere than localhost',
      { KEYWARD_OIDC_ISSUER: 'http://sso.example.com' },
      /https/,
    ],
    [
      'a plain-http localhost issuer in production',
      {
        NODE_ENV: 'production',
        KEYWARD_PUBLIC_URL: 'https://keys.example.com',
        KEYWARD_SECRET: 'a'.repeat(32),
        KEYWARD_OIDC_ISSUER: 'http://127.0.0.1:8080',
      },
      /https/,
    ],
    ['an issuer with a query', { KEYWARD_OIDC_ISSUER: 'https://sso.example.com/?tenant=1' }, /bare issuer/],
    ['a label of 41 characters', { KEYWARD_OIDC_LABEL: 'x'.repeat(41) }, /KEYWARD_OIDC_LABEL/],
  ])('refuses %s', (_case, env, message) => {
    expect(errorFrom({ ...google, ...env }).message).toMatch(message);
  });

  it('accepts a plain-http issuer on localhost outside production (a provider on this machine)', () => {
    expect(loadConfig({ ...google, KEYWARD_OIDC_ISSUER: 'http://localhost:9000' }, CWD).oidc?.issuer).toBe(
      'http://localhost:9000',
    );
  });

  it('never echoes the client secret in an error', () => {
    const error = errorFrom({
      ...google,
      KEYWARD_OIDC_ISSUER: '',
      KEYWARD_OIDC_CLIENT_SECRET: 'hunter2-secret',
    });
    expect(error.message).not.toContain('hunter2-secret');
  });
});
