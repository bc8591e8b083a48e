import type { Command } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { paintOut, print, printJson } from '../output.js';
import { fetchCatalogue, presetLabel } from '../tokens-api.js';

export function registerTokenScopesCommand(token: Command): void {
  token
    .command('scopes')
    .description('List every permission a token can hold, and which presets include it')
    .option('--json', 'print the catalogue as JSON (each action with its presets)')
    .action(async (options: { json?: boolean }, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const catalogue = await fetchCatalogue(ctx);
      // Which presets include an action is the server's rule, read from the catalogue.
      if (options.json) return printJson(catalogue);
      print(paintOut('bold', 'Available token scopes'));
      const width = Math.max(
        ...catalogue.flatMap((resource) => resource.actions.map((action) => action.permission.length)),
      );
      for (const resource of catalogue) {
        print();
        print(`${paintOut('bold', resource.name)}  ${paintOut('dim', resource.description)}`);
        for (const action of resource.actions) {
          const presets = action.presets.map(presetLabel).join(', ');
          print(`  ${paintOut('cyan', action.permission.padEnd(width))}  [${presets}]`);
          print(`    ${action.description}`);
        }
      }
      print();
      print('Presets: all = every action; read-only = every read action; cli = what the keyward CLI needs.');
      print('Presets follow the catalogue as it grows; --scopes fixes an exact list at creation.');
    });
}
