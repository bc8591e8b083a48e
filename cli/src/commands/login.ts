import type { Command } from 'commander';
import { ApiError, isCredentialError } from '../api.js';
import { type CommandContext, createContext, type GlobalOptions } from '../context.js';
import { deleteCredentials, writeCredentials } from '../credentials.js';
import { CliError, usageError } from '../errors.js';
import { paintOut, print, safeText } from '../output.js';
import { promptHidden, readStdin } from '../prompt.js';
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
    .description('Delete the saved credentials (the token itself stays valid until revoked)')
    .action((_options: unknown, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      if (deleteCredentials(ctx.credentialsFile)) {
        print(`Logged out: deleted ${ctx.credentialsFile}.`);
        print('The token still works until it is revoked (`keyward token revoke <prefix>`).');
      } else {
        print(`Not logged in: ${ctx.credentialsFile} does not exist.`);
      }
    });
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
