/**
 * `keyward`: log in with an API token, install components and blocks, manage tokens.
 * Exit codes: 0 ok, 1 failure (the server's message, network errors, refusals), 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { registerAddCommand } from './commands/add.js';
import { registerListCommand } from './commands/list.js';
import { registerLoginCommands } from './commands/login.js';
import { registerOrgCommands } from './commands/org.js';
import { registerTokenCommands } from './commands/token.js';
import { registerUpdateCommand } from './commands/update.js';
import { registerWhoamiCommand } from './commands/whoami.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './errors.js';
import { jsonLine, paintErr, printError, safeText, useJsonWarnings } from './output.js';
import { cliVersion } from './version.js';

/** True when the command line asks for JSON (`--json` before any `--`): errors are JSON too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** `{ "error": code, "message": ... }` on stderr, one line, for scripts (controls escaped: jsonLine). */
function printJsonError(code: string, message: string, hint?: string): void {
  printError(jsonLine({ error: code, message, ...(hint ? { hint } : {}) }));
}

export function buildProgram(json = false): Command {
  const program = new Command('keyward')
    .description('Keyward command-line client: API-token login, component installs and token management.')
    .version(cliVersion(), '-v, --version')
    .option(
      '--api-url <url>',
      'the Keyward server (default: KEYWARD_API_URL, else the server saved at login, else http://localhost:4000)',
    )
    // Settings below are inherited by every subcommand added after them.
    .exitOverride()
    .showHelpAfterError(json ? false : '(add --help for usage)')
    .configureOutput({
      outputError: (message, write) => {
        if (json) printJsonError('usage_error', message.trim().replace(/^error: /, ''));
        else write(paintErr('red', message));
      },
    })
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  KEYWARD_API_URL           server URL (overridden by --api-url)\n' +
        '  KEYWARD_TOKEN             token to use instead of the saved one\n' +
        '  KEYWARD_CREDENTIALS_FILE  where login saves the token\n' +
        '                            (default $XDG_CONFIG_HOME/keyward/credentials.json, else ~/.config/...)\n' +
        '  NO_COLOR                  disable colours\n' +
        '\nExit codes: 0 success, 1 failure (server or network error), 2 usage error.',
    );
  registerLoginCommands(program);
  registerWhoamiCommand(program);
  registerListCommand(program);
  registerAddCommand(program);
  registerUpdateCommand(program);
  registerTokenCommands(program);
  registerOrgCommands(program);
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(argv: readonly string[]): Promise<number> {
  const json = wantsJson(argv.slice(2));
  useJsonWarnings(json);
  try {
    await buildProgram(json).parseAsync([...argv]);
    return 0;
  } catch (error) {
    // Commander has already printed its own message (usage errors) or the help/version text.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    if (error instanceof CliError) {
      const code = error.code?.toLowerCase() ?? (error.exitCode === EXIT_USAGE ? 'usage_error' : 'failed');
      if (json) printJsonError(code, error.message, error.hint);
      else {
        printError(`${paintErr('red', 'error:')} ${safeText(error.message)}`);
        if (error.hint) printError(error.hint.split('\n').map(safeText).join('\n'));
      }
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (json) {
      printJsonError('internal_error', `unexpected failure: ${message}`);
      return EXIT_FAILURE;
    }
    printError(`${paintErr('red', 'error:')} unexpected failure: ${safeText(message)}`);
    if (process.env.KEYWARD_DEBUG && error instanceof Error && error.stack) printError(error.stack);
    return EXIT_FAILURE;
  }
}

// `keyward token list | head` closes stdout early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
process.exitCode = await run(process.argv);
