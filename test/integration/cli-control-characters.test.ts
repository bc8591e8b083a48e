/**
 * Stored strings never reach the terminal raw: a token name holding an ANSI escape (stored before
 * names were checked, or by an operator in psql) is printed with its control characters shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliRecorder } from '../helpers/cli.js';
import { mintToken } from '../helpers/cli-tokens.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const SLOW = 120_000;
const EVIL = 'evil\u001b]0;owned\u0007\u001b[31mred\u009b2J';

/** Control characters a terminal would act on (line breaks and tabs of the CLI's own layout aside). */
function rawControls(text: string): string[] {
  return [...text].filter((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && char !== '\n' && char !== '\t') || (code >= 0x7f && code <= 0x9f);
  });
}

const cli = createCliRecorder();
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  cli.cleanup();
  await server.close();
});

describe('keyward prints stored strings without their control characters', () => {
  it(
    'token list, whoami and token revoke: an ESC (and C1 CSI) in a token name is shown as \\x1b, never written raw',
    async () => {
      // A pro account: the CLI revokes with its token (a free account's API tokens only read).
      const seeded = await server.seedAccount({ plan: 'pro' });
      const cookie = await server.login(seeded.email, seeded.password);
      const bootstrap = await mintToken(server, cookie, { name: 'bootstrap', preset: 'ALL' });
      await server.sql('update api_token set name = $1 where id = $2', [EVIL, bootstrap.token.id]);
      const home = cli.home();
      const login = await cli.run(['login', '--token', bootstrap.secret], { home, apiUrl: server.url });
      expect(login.code, login.stderr).toBe(0);
      for (const args of [['token', 'list'], ['whoami'], ['token', 'list', '--json']]) {
        const result = await cli.run(args, { home, apiUrl: server.url });
        expect(result.code, result.stderr).toBe(0);
        expect(rawControls(result.output)).toEqual([]);
        if (!args.includes('--json'))
          expect(result.stdout).toContain('evil\\x1b]0;owned\\x07\\x1b[31mred\\x9b2J');
      }
      const revoked = await cli.run(['token', 'revoke', bootstrap.token.displayPrefix], {
        home,
        apiUrl: server.url,
      });
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(rawControls(revoked.output)).toEqual([]);
    },
    SLOW,
  );
});
