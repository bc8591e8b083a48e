import { USAGE_WINDOW_DAYS, usageText, usedPermissions, usedRecently } from './permission-usage';
import { presetLabels } from './token-labels';
import { canRotate } from './token-rotation';
import type { TokenDetail } from './tokens.operations';

type TokenPermissionsProps = {
  token: TokenDetail;
  /** Opens the rotation dialog with the successor narrowed to these permissions. */
  onNarrow: (permissions: string[]) => void;
};

/**
 * The least-privilege view: each granted permission with how much requests used it, what a
 * preset gained since the token was created, and "Narrow to what is used".
 */
export function TokenPermissions({ token, onNarrow }: TokenPermissionsProps) {
  const now = Date.now();
  // As before usage was recorded: a preset's permissions as the owner may use them, a custom list as given.
  const shown = new Set(token.preset === 'CUSTOM' ? token.permissions : token.effectivePermissions);
  const usage = token.permissionUsage.filter((entry) => shown.has(entry.permission));
  const used = usedPermissions(usage, now);
  const unused = usage.length - used.length;
  const narrowable = canRotate(token) && used.length > 0 && unused > 0;
  return (
    <>
      <p>
        Preset: <strong>{presetLabels[token.preset]}</strong>
      </p>
      {usage.length > 0 ? (
        <ul className="permission-usage">
          {usage.map((entry) => (
            <li key={entry.permission} className={usedRecently(entry, now) ? undefined : 'permission-unused'}>
              <code>{entry.permission}</code> <span className="hint">{usageText(entry, now)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">This token has no permissions.</p>
      )}
      {token.presetDrift.length > 0 ? (
        <div className="alert alert-warning preset-drift">
          <p>
            The {presetLabels[token.preset]} preset grew since this token was created: it now also allows{' '}
            {token.presetDrift.map((permission, index) => (
              <span key={permission}>
                {index > 0 ? ', ' : null}
                <code>{permission}</code>
              </span>
            ))}
            .
          </p>
        </div>
      ) : null}
      {narrowable ? (
        <div className="narrow">
          <p>
            {unused === 1 ? 'One permission was' : `${unused} permissions were`} not used in the last{' '}
            {USAGE_WINDOW_DAYS} days. Rotate to a token that keeps only what is used.
          </p>
          <button type="button" className="button" onClick={() => onNarrow(used)}>
            Narrow to what is used
          </button>
        </div>
      ) : null}
      <p className="note">
        Permissions and expiry can't be changed after a token is created. To narrow them or change the expiry,
        rotate the token: its successor gets what you choose.
      </p>
    </>
  );
}
