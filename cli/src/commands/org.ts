import type { Command } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { paintOut, print, printJson, safeText } from '../output.js';
import { listOrganizations } from '../tokens-api.js';

export function registerOrgCommands(program: Command): void {
  const org = program
    .command('org')
    .description('The organizations you belong to (their slugs go to `--org` on token commands)');
  org
    .command('list')
    .alias('ls')
    .description('List your organizations: slug, name and your role in each')
    .option('--json', 'print the organizations as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const organizations = await listOrganizations(ctx, ctx.requireToken());
      if (options.json)
        return printJson(
          organizations.map(({ id, slug, name, viewerRole }) => ({ id, slug, name, role: viewerRole })),
        );
      if (organizations.length === 0) {
        print('You belong to no organization yet.');
        return;
      }
      print(paintOut('bold', `Organizations (${organizations.length})`));
      const width = Math.max(...organizations.map((organization) => safeText(organization.slug).length));
      for (const organization of organizations) {
        print(
          `  ${paintOut('cyan', safeText(organization.slug).padEnd(width))}  ${safeText(organization.name)}  ${paintOut('dim', organization.viewerRole.toLowerCase())}`,
        );
      }
    });
}
