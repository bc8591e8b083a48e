import { type Command, InvalidArgumentError } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { formatDate, paintOut, print, printJson, safeText, warn } from '../output.js';
import { DISPLAY_PREFIX_LENGTH } from '../resolve-token.js';
import { rotateToken, shortId } from '../tokens-api.js';
import { findToken, REF_ARGUMENT_HELP } from './token-find.js';

const MAX_GRACE_HOURS = 168;
const UNIT_HOURS: Record<string, number> = { m: 1 / 60, h: 1, d: 24 };

/** A grace period: `0`, or a whole number of minutes, hours or days (`30m`, `24h`, `7d`), at most 7 days. */
export function parseGrace(value: string): number {
  const match = /^(\d+)([mhd])?$/.exec(value.trim());
  const amount = Number(match?.[1]);
  const unit = match?.[2];
  if (!match || (unit === undefined && amount !== 0))
    throw new InvalidArgumentError('Use 0 or a duration such as 30m, 24h or 7d.');
  const hours = unit === undefined ? 0 : amount * (UNIT_HOURS[unit] ?? 1);
  if (hours > MAX_GRACE_HOURS)
    throw new InvalidArgumentError('The grace period is at most 7 days (7d, 168h).');
  return hours;
}

export function registerTokenRotateCommand(token: Command): void {
  token
    .command('rotate')
    .description(
      'Replace a token by a new one with the same permissions; the old secret works for a grace period',
    )
    .argument('<ref>', REF_ARGUMENT_HELP)
    .option(
      '--grace <duration>',
      'how long the old secret keeps working: 0, 30m, 24h (default), 7d at most',
      parseGrace,
    )
    .option('--json', 'print the new secret, the new token and when the grace ends as JSON')
    .addHelpText(
      'after',
      '\nThe new token keeps the old one’s permissions, restrictions and rate limit. Its secret is\n' +
        'printed once. After the grace period the old secret answers token_rotated, naming the new\n' +
        'token’s prefix.',
    )
    .action(async (ref: string, options: { grace?: number; json?: boolean }, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const bearer = ctx.requireToken();
      const target = await findToken(ctx, bearer, ref, 'nothing was rotated');
      const rotated = await rotateToken(ctx, bearer, target.id, options.grace ?? 24);
      const graceEndsAt = rotated.rotatedToken.rotation?.graceEndsAt ?? null;
      if (options.json) return printJson({ secret: rotated.secret, token: rotated.token, graceEndsAt });
      print(`${paintOut('green', 'Rotated token')} "${safeText(target.name)}" (${target.displayPrefix}...)`);
      print();
      print(`  ${paintOut('bold', rotated.secret)}`);
      print();
      print(paintOut('yellow', 'Copy it now: it will not be shown again. Keyward stores only a hash of it.'));
      print(`New token: ${rotated.token.displayPrefix}...  (id ${shortId(rotated.token.id)})`);
      print(`The old secret works until ${graceEndsAt ? formatDate(graceEndsAt) : 'now'}.`);
      if (target.displayPrefix === bearer.slice(0, DISPLAY_PREFIX_LENGTH))
        warn('that is the token this CLI uses; run `keyward login` with the new secret.');
    });
}
