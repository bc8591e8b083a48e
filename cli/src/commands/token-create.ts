import { type Command, InvalidArgumentError, Option } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { CliError } from '../errors.js';
import { formatExpiry, keyValues, paintOut, print, printJson, safeText } from '../output.js';
import {
  type CreateTokenInput,
  createToken,
  describeScopes,
  organizationIdOf,
  type Preset,
  restrictionRows,
  shortId,
} from '../tokens-api.js';
import { parseWhoami } from '../whoami-response.js';

interface CreateOptions {
  expires?: number;
  scopes?: string[];
  preset?: 'all' | 'read-only' | 'cli';
  description?: string;
  cidr?: string[];
  notBefore?: string;
  uses?: number;
  json?: boolean;
  org?: string;
}

const PRESETS: Record<NonNullable<CreateOptions['preset']>, Preset> = {
  all: 'ALL',
  'read-only': 'READ_ONLY',
  cli: 'CLI',
};

function parseDays(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 3650) {
    throw new InvalidArgumentError('Use a whole number of days from 1 to 3650.');
  }
  return Number(value);
}

function parseScopes(value: string): string[] {
  const scopes = value
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  if (scopes.length === 0) throw new InvalidArgumentError('List at least one scope, e.g. tokens:read.');
  return scopes;
}

function collectCidr(value: string, previous: string[] = []): string[] {
  const range = value.trim();
  if (range === '') throw new InvalidArgumentError('Give an address or CIDR range, e.g. 203.0.113.0/24.');
  return [...previous, range];
}

function parseNotBefore(value: string): string {
  const at = Date.parse(value);
  if (Number.isNaN(at))
    throw new InvalidArgumentError(
      'Use an ISO-8601 date or instant, e.g. 2027-01-31 or 2027-01-31T09:00:00Z.',
    );
  return new Date(at).toISOString();
}

function parseUses(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('Use a whole number of requests, 1 or more.');
  }
  return Number(value);
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * A token may not outlive the token that creates it. Without --expires the child gets its parent's
 * expiry (never, when the parent never expires); an --expires past the parent's expiry is refused
 * here with the longest allowed value, instead of by the server after the fact.
 */
export function childExpiry(
  days: number | undefined,
  parentExpiresAt: string | null,
  now: number = Date.now(),
): { expiresInDays?: number; expiresAt?: string } {
  if (parentExpiresAt === null) return days === undefined ? {} : { expiresInDays: days };
  if (days === undefined) return { expiresAt: parentExpiresAt };
  const parentEnd = Date.parse(parentExpiresAt);
  if (now + days * DAY_MS <= parentEnd) return { expiresInDays: days };
  const longest = Math.floor((parentEnd - now) / DAY_MS);
  throw new CliError(
    `--expires ${days} would outlive the logged-in token, which expires ${formatExpiry(parentExpiresAt, now)}; ` +
      'a token cannot expire later than the token that creates it.',
    {
      code: 'insufficient_scope',
      hint:
        longest >= 1
          ? `Use --expires ${longest} or less, or leave --expires out to expire with the logged-in token.`
          : 'Leave --expires out to expire with the logged-in token.',
    },
  );
}

export function registerTokenCreateCommand(token: Command): void {
  token
    .command('create')
    .description('Create a token and print its secret (shown only this once)')
    .argument('<name>', 'a name to recognise the token by (1-100 characters)')
    .addOption(
      new Option(
        '-e, --expires <days>',
        'expire after this many days (default: when the logged-in token expires, else never)',
      ).argParser(parseDays),
    )
    .addOption(
      new Option(
        '-s, --scopes <list>',
        'exact permissions, comma-separated (e.g. tokens:read,components:read)',
      )
        .argParser(parseScopes)
        .conflicts('preset'),
    )
    .addOption(
      new Option('-p, --preset <preset>', 'a preset that follows the catalogue as it grows (default: cli)')
        .choices(Object.keys(PRESETS))
        .conflicts('scopes'),
    )
    .option('-d, --description <text>', 'what the token is for (at most 500 characters)')
    .addOption(
      new Option(
        '--cidr <range>',
        'only from this IPv4/IPv6 address or CIDR range (repeat for more, at most 20)',
      ).argParser(collectCidr),
    )
    .addOption(
      new Option('--not-before <date>', 'the token works from this date or instant on').argParser(
        parseNotBefore,
      ),
    )
    .addOption(
      new Option('--uses <n>', 'the token works for this many requests, then stops').argParser(parseUses),
    )
    .option('--json', 'print the secret and the token as JSON')
    .option(
      '--org <slug>',
      'create an organization token, owned by that organization (its owners and admins; within its policy)',
    )
    .addHelpText(
      'after',
      '\nWithout --scopes or --preset the token gets the cli preset: what the keyward CLI needs.\n' +
        'A resource name in --scopes (e.g. tokens) means all of its actions today.\n' +
        'See `keyward token scopes` for every permission and which presets include it.\n\n' +
        'Examples:\n' +
        '  keyward token create "CI deploy" --expires 90 --scopes components:read,blocks:read\n' +
        '  keyward token create laptop --preset all\n' +
        '  keyward token create "office CI" --cidr 203.0.113.0/24 --cidr 2001:db8::/32 --uses 1000\n' +
        '  keyward token create "team CI" --org acme-labs --preset read-only --expires 90\n\n' +
        'A token created by a token inherits its --cidr ranges, --not-before and remaining --uses,\n' +
        'and may only narrow them.',
    )
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const bearer = ctx.requireToken();
      const input: CreateTokenInput = options.scopes
        ? { name, preset: 'CUSTOM', permissions: options.scopes }
        : { name, preset: PRESETS[options.preset ?? 'cli'] };
      if (options.description !== undefined) input.description = options.description;
      if (options.cidr) input.allowedCidrs = options.cidr;
      if (options.notBefore !== undefined) input.notBefore = options.notBefore;
      if (options.uses !== undefined) input.usageLimit = options.uses;
      if (options.org !== undefined) input.organizationId = await organizationIdOf(ctx, bearer, options.org);
      const parent = parseWhoami(await ctx.api.getJson('/api/cli/whoami', bearer)).token;
      const expiry = childExpiry(options.expires, parent.expiresAt ?? null);
      Object.assign(input, expiry);
      const created = await createToken(ctx, bearer, input);
      if (options.json) return printJson(created);
      const { secret, token: node } = created;
      const owner = options.org === undefined ? '' : ` for organization ${safeText(options.org)}`;
      print(`${paintOut('green', 'Created token')} "${safeText(node.name)}"${owner}`);
      print();
      print(`  ${paintOut('bold', secret)}`);
      print();
      print(paintOut('yellow', 'Copy it now: it will not be shown again. Keyward stores only a hash of it.'));
      print();
      const rows: [string, string][] = [
        ['Name', safeText(node.name)],
        ['ID', `${shortId(node.id)} (${node.id})`],
        ['Scopes', describeScopes(node)],
        ['Expires', formatExpiry(node.expiresAt)],
        ...restrictionRows(node),
      ];
      if (node.description) rows.splice(1, 0, ['Description', safeText(node.description)]);
      for (const line of keyValues(rows)) print(line);
      if (expiry.expiresAt !== undefined) {
        print(
          paintOut(
            'dim',
            'It expires with the logged-in token that created it (pass --expires to end sooner).',
          ),
        );
      }
      print();
      print('Use it in the Authorization header:');
      print(`  Authorization: Bearer ${secret}`);
    });
}
