import path from 'node:path';
import { type Command, Option } from 'commander';
import { ApiError, isCredentialError, isRecord } from '../api.js';
import { type CommandContext, createContext, type GlobalOptions } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { planInstall, type SourceFile, writeInstall } from '../install-files.js';
import { paintOut, print, safeText } from '../output.js';
import { type ItemType, MANIFEST_FILE, recordInstall, sha256 } from '../project-manifest.js';
import { displayReference } from '../resolve-token.js';

interface AddOptions {
  type: ItemType;
  out?: string;
  force?: boolean;
}

/** The source route's body: `{ slug, name, type, tier, version, files: [{ path, content }] }`. */
export interface SourceItem {
  slug: string;
  name: string;
  type?: string;
  tier?: string;
  version?: string;
  files: SourceFile[];
}

/** The registry's slug rule: lower-case letters, digits and dashes. */
const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
const LOGIN_FOR_PRO = 'Pro components and premium blocks need a saved token: run `keyward login` first.';

export function registerAddCommand(program: Command): void {
  program
    .command('add')
    .description('Install a component (or, with --type block, a block) into your project')
    .argument('<slug>', 'the component or block slug, e.g. button')
    .addOption(
      new Option('--type <type>', 'what to install').choices(['component', 'block']).default('component'),
    )
    .option('--out <dir>', 'where to write the files (default ./components/<slug> or ./blocks/<slug>)')
    .option('--force', 'overwrite files that already exist')
    .addHelpText(
      'after',
      '\nWith a saved token (or KEYWARD_TOKEN) everything comes from /api/cli/<slug> or\n' +
        '/api/cli/blocks/<slug>, which serve Pro items to accounts with a Pro licence. Without one,\n' +
        'free items come from the public registry (/api/registry/<slug>/source).\n' +
        'Files are only ever written inside the output directory; existing files need --force.\n' +
        `Each install is recorded in ./${MANIFEST_FILE}, which \`keyward update\` reads.`,
    )
    .action(async (slug: string, options: AddOptions, command: Command) => {
      if (!SLUG_PATTERN.test(slug)) {
        // A pasted token must not be echoed (nor sent to the server in a URL path).
        throw usageError(`Invalid slug "${displayReference(slug)}": use lower-case letters, digits and "-".`);
      }
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const item = await fetchSource(ctx, slug, options.type);
      const outDir = options.out ?? path.join(options.type === 'block' ? 'blocks' : 'components', slug);
      const planned = planInstall(outDir, item.files);
      writeInstall(outDir, planned, options.force === true);
      recordInstall({
        slug,
        type: options.type,
        out: outDir,
        ...(item.version ? { version: item.version } : {}),
        files: Object.fromEntries(planned.map((file) => [file.relative, sha256(file.content)])),
      });
      const details = [item.version && `v${item.version}`, item.tier, item.type ?? options.type]
        .filter(Boolean)
        .join(' ');
      print(`${paintOut('green', 'Added')} ${safeText(item.name)} (${details}) to ${outDir}:`);
      for (const file of planned) print(`  ${path.join(outDir, file.relative)}`);
    });
}

/** The item's source: with a token from /api/cli/..., without one from the public registry. */
export async function fetchSource(ctx: CommandContext, slug: string, type: ItemType): Promise<SourceItem> {
  const token = ctx.token();
  const encoded = encodeURIComponent(slug);
  const route = token
    ? type === 'block'
      ? `/api/cli/blocks/${encoded}`
      : `/api/cli/${encoded}`
    : `/api/registry/${encoded}/source?type=${type}`;
  let body: unknown;
  try {
    body = await ctx.api.getJson(route, token?.value ?? null);
  } catch (error) {
    throw explain(error, token !== null, type);
  }
  const item = parseSourceItem(body, route);
  if ((item.type === 'component' || item.type === 'block') && item.type !== type) {
    throw new CliError(`"${slug}" is a ${item.type}, not a ${type}.`, { hint: `Use --type ${item.type}.` });
  }
  return item;
}

/** Adds what to do next to the server's message. */
function explain(error: unknown, withToken: boolean, type: ItemType): unknown {
  if (!(error instanceof ApiError)) return error;
  const rethrow = (hint: string) => new ApiError(error.message, error.status, error.code, hint);
  if (!withToken && (error.status === 401 || error.status === 403)) return rethrow(LOGIN_FOR_PRO);
  if (!withToken && type === 'block' && error.status === 404) {
    return rethrow(
      `If it is a premium block, ${LOGIN_FOR_PRO.charAt(0).toLowerCase()}${LOGIN_FOR_PRO.slice(1)}`,
    );
  }
  if (withToken && isCredentialError(error.code)) {
    return rethrow('The saved token no longer works: run `keyward login` with a new token.');
  }
  if (error.code === 'pro_license_required') {
    return rethrow('Pro components and premium blocks need an account on the pro or team plan.');
  }
  return error;
}

function parseSourceItem(body: unknown, route: string): SourceItem {
  const bad = (why: string) => new CliError(`The server answered ${route} with an unexpected body: ${why}.`);
  if (!isRecord(body)) throw bad('not an object');
  if (!Array.isArray(body.files)) throw bad('no files list');
  const files = body.files.map((file: unknown, index) => {
    if (!isRecord(file) || typeof file.path !== 'string' || typeof file.content !== 'string') {
      throw bad(`files[${index}] needs a string path and content`);
    }
    return { path: file.path, content: file.content };
  });
  if (files.length === 0) throw bad('the files list is empty');
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const slug = text(body.slug) ?? '';
  return {
    slug,
    name: text(body.name) ?? slug,
    type: text(body.type),
    tier: text(body.tier),
    version: text(body.version),
    files,
  };
}
