import type { Command } from 'commander';
import { ApiError, isCredentialError } from '../api.js';
import { type CommandContext, createContext, type GlobalOptions } from '../context.js';
import { deleteCredentials, readCredentials, writeCredentials } from '../credentials.js';
import { CliError, usageError } from '../errors.js';
import { paintOut, print, safeText } from '../output.js';
import { promptHidden, readStdin } from '../prompt.js';
import { revokeToken } from '../tokens-api.js';
import { parseWhoami, type Whoami } from '../whoami-response.js';

interface LoginOptions {
  token?: string;
}

export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .description('Check an API token with the server and save it for later commands')
    .option(
      '--token <token>',
      'the token to save ("-" reads it from stdin); else KEYWARD_TOKEN, else a prompt',
    )
    .addHelpText(
      'after',
      '\nThe token is checked with GET /api/cli/whoami and saved only if the server accepts it, to\n' +
        '$XDG_CONFIG_HOME/keyward/credentials.json (default ~/.config/keyward/credentials.json, mode 0600)\n' +
        'or KEYWARD_CREDENTIALS_FILE. Prefer the prompt or --token - over --token <token>:\n' +
        'command-line arguments end up in shell history and process lists.',
    )
    .action(async (options: LoginOptions, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      await login(ctx, await tokenToCheck(options));
    });

  program
    .command('logout')
    .description('Delete the saved credentials; with --revoke, revoke the token on the server too')
    .option('--revoke', 'also revoke the saved token on the server (the token needs tokens:revoke)')
    .addHelpText(
      'after',
      '\nWith --revoke the server also revokes every token created with the saved one (a token never\n' +
        'outlives its creator). The credentials are deleted even when the server refuses the revoke; the\n' +
        'command then says why and exits 1, and the token keeps working until revoked elsewhere.',
    )
    .action(async (options: { revoke?: boolean }, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const saved = options.revoke ? readCredentials(ctx.credentialsFile) : null;
      const failure = saved ? await revokeOwnToken(ctx, saved.token) : null;
      if (deleteCredentials(ctx.credentialsFile)) {
        print(`Logged out: deleted ${ctx.credentialsFile}.`);
        if (!options.revoke) {
          print('The token still works until it is revoked (`keyward token revoke <prefix>`).');
        }
      } else {
        print(`Not logged in: ${ctx.credentialsFile} does not exist.`);
      }
      if (failure) {
        throw new CliError(`Logged out locally, but the server-side revoke failed: ${failure.message}`, {
          code: failure.code,
          hint: 'Revoke the token in the web app or with `keyward token revoke` from another login.',
        });
      }
    });
}

/** Revokes the token with itself; returns the failure instead of throwing, so logout still happens. */
async function revokeOwnToken(ctx: CommandContext, token: string): Promise<CliError | null> {
  try {
    const whoami = parseWhoami(await ctx.api.getJson('/api/cli/whoami', token));
    const revoked = await revokeToken(ctx, token, whoami.token.id);
    print(`${paintOut('green', 'Revoked token:')} ${safeText(revoked.name)} (${revoked.displayPrefix}...)`);
    return null;
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
}

async function tokenToCheck(options: LoginOptions): Promise<string> {
  let token: string | undefined;
  if (options.token === '-') token = await readStdin();
  else if (options.token !== undefined) token = options.token.trim();
  else if (process.env.KEYWARD_TOKEN?.trim()) token = process.env.KEYWARD_TOKEN.trim();
  else if (process.stdin.isTTY) token = await promptHidden('API token (input hidden): ');
  else {
    throw usageError(
      'No token given.',
      'Pass --token <token> (or --token - to read stdin), set KEYWARD_TOKEN, or run in a terminal.',
    );
  }
  if (!token) throw usageError('The token is empty.');
  if (/\s/.test(token)) throw usageError('The token contains whitespace; paste it as a single word.');
  return token;
}

async function login(ctx: CommandContext, token: string): Promise<void> {
  let whoami: Whoami;
  try {
    whoami = parseWhoami(await ctx.api.getJson('/api/cli/whoami', token));
  } catch (error) {
    if (error instanceof ApiError && isCredentialError(error.code)) {
      throw new CliError(error.message, {
        code: error.code,
        hint: 'Nothing was saved. Create a new token in the web app or with `keyward token create`.',
      });
    }
    throw error;
  }
  const file = writeCredentials({
    token,
    apiUrl: ctx.apiUrl,
    account: whoami.account.email,
    savedAt: new Date().toISOString(),
  });
  const { account, token: info } = whoami;
  print(
    `${paintOut('green', 'Logged in')} to ${ctx.apiUrl} as ${account.name} <${account.email}> (plan ${account.plan}).`,
  );
  print(`Token "${safeText(info.name)}" (${info.displayPrefix}...) saved to ${file}.`);
}
