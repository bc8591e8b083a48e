import type { Command } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { CliError } from '../errors.js';
import { paintOut, print, printJson, safeText } from '../output.js';
import { setTokenActive, shortId } from '../tokens-api.js';
import { findToken, REF_ARGUMENT_HELP } from './token-find.js';

export function registerTokenActiveCommands(token: Command): void {
  for (const active of [true, false]) {
    const verb = active ? 'activate' : 'deactivate';
    token
      .command(verb)
      .description(
        active
          ? 'Turn a deactivated token back on (takes effect on the next request)'
          : 'Turn a token off without revoking it (takes effect on the next request; `activate` undoes it)',
      )
      .argument('<ref>', REF_ARGUMENT_HELP)
      .option('--json', 'print the token as JSON')
      .action(async (ref: string, options: { json?: boolean }, command: Command) => {
        const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
        const bearer = ctx.requireToken();
        const target = await findToken(ctx, bearer, ref, `nothing was ${verb}d`);
        if (target.status === 'REVOKED') {
          throw new CliError(`Token "${target.name}" is revoked; a revoked token cannot be ${verb}d.`, {
            code: 'token_revoked',
          });
        }
        const updated = await setTokenActive(ctx, bearer, target.id, active);
        if (options.json) return printJson(updated);
        const label = active ? 'Activated token:' : 'Deactivated token:';
        print(`${paintOut('green', label)} ${safeText(updated.name)}`);
        print(
          `  ${updated.displayPrefix}...  (id ${shortId(updated.id)}, now ${updated.status.toLowerCase()})`,
        );
      });
  }
}
