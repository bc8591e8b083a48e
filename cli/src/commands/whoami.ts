import type { Command } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { formatExpiry, keyValues, paintOut, print, printJson, safeText } from '../output.js';
import { restrictionRows } from '../tokens-api.js';
import { parseWhoami } from '../whoami-response.js';

export function registerWhoamiCommand(program: Command): void {
  program
    .command('whoami')
    .description('Show the account, plan and token behind the saved credentials')
    .option('--json', 'print the server response as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const token = ctx.requireToken();
      const source = ctx.token()?.source === 'env' ? 'KEYWARD_TOKEN' : ctx.credentialsFile;
      const whoami = parseWhoami(await ctx.api.getJson('/api/cli/whoami', token));
      if (options.json) return printJson(whoami);
      const { account, token: info, entitlements } = whoami;
      const lines = keyValues([
        // An organization token acts as its organization, which has no email.
        [
          'Account',
          safeText(account.email ? `${account.name} <${account.email}>` : `${account.name} (organization)`),
        ],
        ['Plan', `${account.plan} (Pro components: ${entitlements?.proComponents ? 'yes' : 'no'})`],
        ['Token', safeText(info.name)],
        ['Prefix', `${info.displayPrefix}...`],
        [
          'Permissions',
          info.permissions.length > 0 ? info.permissions.join(', ') : paintOut('yellow', 'none'),
        ],
        ['Expires', formatExpiry(info.expiresAt ?? null)],
        ...restrictionRows({
          ...info,
          allowedCidrs: info.allowedCidrs?.map((range) => safeText(range)) ?? null,
        }),
        ['Server', ctx.apiUrl],
        ['Credentials', source],
      ]);
      for (const line of lines) print(line);
    });
}
