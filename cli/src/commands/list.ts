import { type Command, Option } from 'commander';
import { isRecord } from '../api.js';
import { createContext, type GlobalOptions } from '../context.js';
import { CliError } from '../errors.js';
import { paintOut, print, printJson, safeText } from '../output.js';

interface RegistryEntry {
  slug: string;
  name: string;
  description: string;
  type: string;
  tier: string;
  version: string;
}

function parseEntries(value: unknown): RegistryEntry[] {
  if (!Array.isArray(value)) throw new CliError('The server answered /api/registry with an unexpected body.');
  return value.filter(isRecord).map((entry) => {
    const text = (field: unknown) => (typeof field === 'string' ? field : '');
    return {
      slug: text(entry.slug),
      name: text(entry.name),
      description: text(entry.description),
      type: text(entry.type),
      tier: text(entry.tier),
      version: text(entry.version),
    };
  });
}

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('List the components and blocks `keyward add` can install (the public registry)')
    .addOption(new Option('--type <type>', 'only components or only blocks').choices(['component', 'block']))
    .option('--json', 'print the registry as JSON')
    .action(async (options: { type?: 'component' | 'block'; json?: boolean }, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      // The registry is public: no token is sent.
      const body = await ctx.api.getJson('/api/registry', null);
      if (!isRecord(body)) throw new CliError('The server answered /api/registry with an unexpected body.');
      const groups = {
        component: parseEntries(body.components),
        block: parseEntries(body.blocks),
      };
      const shown = options.type ? { [options.type]: groups[options.type] } : groups;
      // JSON keeps everything the server sends; the text view shows what helps to choose.
      if (options.json) {
        const raw = { components: body.components, blocks: body.blocks };
        if (options.type === 'component') return printJson({ components: raw.components });
        if (options.type === 'block') return printJson({ blocks: raw.blocks });
        return printJson(raw);
      }
      for (const [type, entries] of Object.entries(shown)) {
        print(paintOut('bold', `${type === 'block' ? 'Blocks' : 'Components'} (${entries.length})`));
        const width = Math.max(0, ...entries.map((entry) => entry.slug.length));
        for (const entry of entries) {
          const tier = entry.tier === 'pro' ? paintOut('yellow', 'pro ') : 'free';
          print(
            `  ${paintOut('cyan', safeText(entry.slug).padEnd(width))}  ${tier}  v${safeText(entry.version)}  ${safeText(entry.description)}`,
          );
        }
        print();
      }
      print('Install one with `keyward add <slug>` (blocks: `keyward add <slug> --type block`).');
      print('Pro items need a saved token of an account on the pro or team plan.');
    });
}
