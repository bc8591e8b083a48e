import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactErrorText } from '../../server/src/logger.js';

/** A logger writing into memory, with the raw lines and their parsed JSON. */
function memoryLogger(level = 'debug') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger(level, sink);
  return {
    logger,
    lines,
    last: () => JSON.parse(lines.at(-1) ?? 'null') as Record<string, unknown>,
  };
}

const SECRET = 'SuperSecretValue-9f3c';

function valueAt(value: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>(
    (current, key) => (current as Record<string, unknown> | undefined)?.[key],
    value,
  );
}

describe('createLogger', () => {
  it('writes JSON lines tagged with the service name and an ISO time', () => {
    const { logger, last } = memoryLogger();
    logger.info({ requestId: 'r1' }, 'hello');
    expect(last()).toMatchObject({ service: 'keyward', msg: 'hello', requestId: 'r1', level: 30 });
    expect(String(last().time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = memoryLogger('warn');
    logger.info('not shown');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('shown');
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a top-level password', { password: SECRET }, ['password']],
    ['a top-level newPassword', { newPassword: SECRET }, ['newPassword']],
    ['a top-level token', { token: SECRET }, ['token']],
    ['a top-level secret', { secret: SECRET }, ['secret']],
    ['a top-level refreshToken', { refreshToken: SECRET }, ['refreshToken']],
    ['a top-level accessToken', { accessToken: SECRET }, ['accessToken']],
    [
      'a password one level down',
      { input: { email: 'a@example.com', password: SECRET } },
      ['input', 'password'],
    ],
    ['a token one level down', { body: { token: SECRET } }, ['body', 'token']],
    ['a secret one level down', { created: { secret: SECRET } }, ['created', 'secret']],
    [
      'an authorization header',
      { headers: { authorization: `Bearer ${SECRET}` } },
      ['headers', 'authorization'],
    ],
    ['a cookie header', { headers: { cookie: `keyward_session=${SECRET}` } }, ['headers', 'cookie']],
    ['an x-api-key header', { headers: { 'x-api-key': SECRET } }, ['headers', 'x-api-key']],
    [
      'a set-cookie header',
      { headers: { 'set-cookie': `keyward_session=${SECRET}` } },
      ['headers', 'set-cookie'],
    ],
    [
      'a request authorization header',
      { req: { headers: { authorization: `Bearer ${SECRET}` } } },
      ['req', 'headers', 'authorization'],
    ],
    [
      'a request cookie header',
      { req: { headers: { cookie: `keyward_session=${SECRET}` } } },
      ['req', 'headers', 'cookie'],
    ],
    [
      'a request x-api-key header',
      { req: { headers: { 'x-api-key': SECRET } } },
      ['req', 'headers', 'x-api-key'],
    ],
    [
      'a response set-cookie header',
      { res: { headers: { 'set-cookie': `keyward_session=${SECRET}` } } },
      ['res', 'headers', 'set-cookie'],
    ],
  ])('never writes %s, only [redacted]', (_case, fields, at) => {
    const { logger, lines, last } = memoryLogger();
    logger.info(fields, 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SECRET);
    expect(valueAt(last(), at)).toBe('[redacted]');
  });

  it('redacts every credential in one request-shaped object while keeping the harmless fields', () => {
    const { logger, lines, last } = memoryLogger();
    logger.warn(
      {
        password: SECRET,
        token: SECRET,
        secret: SECRET,
        headers: { authorization: SECRET, cookie: SECRET, 'x-api-key': SECRET, 'user-agent': 'curl/8' },
        req: {
          method: 'POST',
          url: '/graphql',
          headers: { authorization: SECRET, cookie: SECRET, 'x-api-key': SECRET, host: 'localhost' },
        },
      },
      'everything at once',
    );
    expect(lines.join('\n')).not.toContain(SECRET);
    const line = last();
    expect(line).toMatchObject({
      password: '[redacted]',
      token: '[redacted]',
      secret: '[redacted]',
      headers: {
        authorization: '[redacted]',
        cookie: '[redacted]',
        'x-api-key': '[redacted]',
        'user-agent': 'curl/8',
      },
      req: {
        method: 'POST',
        url: '/graphql',
        headers: {
          authorization: '[redacted]',
          cookie: '[redacted]',
          'x-api-key': '[redacted]',
          host: 'localhost',
        },
      },
    });
  });

  it('redacts credentials passed through a child logger binding', () => {
    const { logger, lines } = memoryLogger();
    logger.child({ headers: { authorization: `Bearer ${SECRET}` } }).info({ token: SECRET }, 'from a child');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SECRET);
    expect(lines[0]).toContain('[redacted]');
  });

  it('leaves a message without credentials unchanged', () => {
    const { logger, last } = memoryLogger();
    logger.info({ email: 'a@example.com', plan: 'pro' }, 'created');
    expect(last()).toMatchObject({ email: 'a@example.com', plan: 'pro', msg: 'created' });
    expect(JSON.stringify(last())).not.toContain('[redacted]');
  });
});

describe('redactErrorText', () => {
  it.each<[string, string, string]>([
    [
      'inlined statement parameters',
      `insert into "account" ("email", "password_hash") values ('a@example.com', '$argon2id$v=19$x') - column "name" does not exist`,
      `insert into "account" ("email", "password_hash") values ('?', '?') - column "name" does not exist`,
    ],
    ['an escaped quote inside a literal', `where "name" = 'O''Brien'`, `where "name" = '?'`],
    ['a unique violation detail', 'Key (email)=(a@example.com) already exists.', 'Key (email)=(?)'],
    ['a failing row', 'Failing row contains (1, a@example.com, t).', 'Failing row contains (?)'],
    [
      'quoted input',
      'invalid input syntax for type uuid: "not-a-uuid"',
      'invalid input syntax for type uuid: "?"',
    ],
  ])('removes %s', (_case, text, expected) => {
    expect(redactErrorText(text)).toBe(expected);
  });

  it('logs an error under err with its code and table, without detail', () => {
    const { logger, last } = memoryLogger();
    const error = Object.assign(new Error(`insert ... values ('${SECRET}') - duplicate key`), {
      code: '23505',
      table: 'account',
      detail: `Key (email)=(${SECRET}) already exists.`,
    });
    logger.error({ err: error }, 'failed');
    expect(JSON.stringify(last())).not.toContain(SECRET);
    expect(last().err).toMatchObject({ type: 'Error', code: '23505', table: 'account' });
  });
});
