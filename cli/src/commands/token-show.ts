import { type Command, InvalidArgumentError } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { CliError } from '../errors.js';
import {
  formatDate,
  formatExpiry,
  keyValues,
  paintOut,
  print,
  printJson,
  relativeTime,
  safeText,
} from '../output.js';
import {
  describeScopes,
  fetchToken,
  fetchTokenUsage,
  presetLabel,
  restrictionRows,
  shortId,
  type TokenDetail,
} from '../tokens-api.js';
import { findToken, REF_ARGUMENT_HELP } from './token-find.js';

/** The server keeps a year of daily counts. */
const MAX_USAGE_DAYS = 366;
const BAR_WIDTH = 40;

function parseUsageDays(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_USAGE_DAYS) {
    throw new InvalidArgumentError(`Use a whole number of days from 1 to ${MAX_USAGE_DAYS}.`);
  }
  return Number(value);
}

/** "replaced by kw_abc... ; old secret used 12 times since, last from 10.0.0.4; works until ..." */
function rotationLine(rotation: NonNullable<TokenDetail['rotation']>): string {
  const uses = rotation.oldSecretUses;
  const used =
    uses === 0
      ? 'old secret not used since'
      : `old secret used ${uses} time${uses === 1 ? '' : 's'} since${rotation.oldSecretLastUsedIp ? `, last from ${safeText(rotation.oldSecretLastUsedIp)}` : ''}`;
  const ends = new Date(rotation.graceEndsAt).getTime() > Date.now() ? 'works until' : 'stopped';
  return `replaced by ${rotation.successorDisplayPrefix}...; ${used}; ${ends} ${formatDate(rotation.graceEndsAt)}`;
}

/** The token disappeared between the lookup and the read (e.g. its owner was removed). */
const gone = (ref: string) => new CliError(`Token "${ref}" is no longer there.`, { code: 'token_not_found' });

export function registerTokenShowCommands(token: Command): void {
  token
    .command('show')
    .description('Show one token: status, scopes, expiry, last use (never its secret)')
    .argument('<ref>', REF_ARGUMENT_HELP)
    .option('--json', 'print the token as JSON')
    .action(async (ref: string, options: { json?: boolean }, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const bearer = ctx.requireToken();
      const found = await findToken(ctx, bearer, ref, 'nothing to show');
      const detail = await fetchToken(ctx, bearer, found.id);
      if (!detail) throw gone(ref);
      if (options.json) return printJson(detail);
      const rows: [string, string][] = [
        ['Name', safeText(detail.name)],
        ['ID', detail.id],
        ['Prefix', `${detail.displayPrefix}...`],
        ['Status', detail.status.toLowerCase()],
        ['Preset', presetLabel(detail.preset)],
        ['Scopes', describeScopes(detail)],
        ['Effective', detail.effectivePermissions.join(', ') || paintOut('yellow', 'none')],
        ['Expires', formatExpiry(detail.expiresAt)],
        ['Created', `${formatDate(detail.createdAt)} (${relativeTime(detail.createdAt)})`],
        [
          'Last used',
          detail.lastUsedAt
            ? `${relativeTime(detail.lastUsedAt)}${detail.lastUsedIp ? ` from ${safeText(detail.lastUsedIp)}` : ''}`
            : 'never',
        ],
        ['Rate limit', `${detail.rateLimitPerMinute} requests per minute`],
        ...restrictionRows(detail),
      ];
      if (detail.description) rows.splice(1, 0, ['Description', safeText(detail.description)]);
      if (detail.revokedAt) rows.push(['Revoked', formatExpiry(detail.revokedAt)]);
      if (detail.rotation) rows.push(['Rotated', rotationLine(detail.rotation)]);
      if (detail.presetDrift.length > 0)
        rows.push([
          'Gained',
          `${detail.presetDrift.join(', ')} (added to the preset since the token was created)`,
        ]);
      for (const line of keyValues(rows)) print(line);
      print();
      print('Permission use:');
      const width = Math.max(...detail.permissionUsage.map((use) => use.permission.length));
      for (const use of detail.permissionUsage)
        print(
          `  ${use.permission.padEnd(width)}  ${
            use.lastUsedAt
              ? `used ${use.count} time${use.count === 1 ? '' : 's'}, last ${relativeTime(use.lastUsedAt)}`
              : paintOut('yellow', 'never used')
          }`,
        );
    });

  token
    .command('usage')
    .description('Requests per UTC day for one token, oldest first')
    .argument('<ref>', REF_ARGUMENT_HELP)
    .option('--days <n>', `how many days back (1-${MAX_USAGE_DAYS}, default 30)`, parseUsageDays, 30)
    .option('--json', 'print the days as JSON')
    .action(async (ref: string, options: { days: number; json?: boolean }, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const bearer = ctx.requireToken();
      const found = await findToken(ctx, bearer, ref, 'nothing to show');
      const usage = await fetchTokenUsage(ctx, bearer, found.id, options.days);
      if (!usage) throw gone(ref);
      const total = usage.usage.reduce((sum, day) => sum + day.count, 0);
      if (options.json) {
        return printJson({ id: usage.id, name: usage.name, days: options.days, total, usage: usage.usage });
      }
      print(
        `${paintOut('bold', safeText(usage.name))} (${usage.displayPrefix}..., id ${shortId(usage.id)}): ` +
          `${total} request${total === 1 ? '' : 's'} in the last ${options.days} day${options.days === 1 ? '' : 's'}`,
      );
      const peak = Math.max(1, ...usage.usage.map((day) => day.count));
      const width = String(peak).length;
      for (const day of usage.usage) {
        const bar = '#'.repeat(Math.ceil((day.count / peak) * BAR_WIDTH));
        print(`  ${day.date}  ${String(day.count).padStart(width)}  ${paintOut('cyan', bar)}`);
      }
    });
}
