type SwitchProps = {
  /** The accessible name; shown beside the switch with `visibleLabel`. */
  label: string;
  checked: boolean;
  describedBy?: string;
  busy?: boolean;
  disabled?: boolean;
  visibleLabel?: boolean;
  onToggle: () => void;
};

/** An on/off control that acts at once: a button with role="switch" (styles: `.switch` in styles.css). */
export function Switch({ label, checked, describedBy, busy, disabled, visibleLabel, onToggle }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      className="switch"
      aria-checked={checked}
      aria-label={label}
      aria-describedby={describedBy}
      aria-busy={busy || undefined}
      disabled={disabled}
      onClick={onToggle}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      {visibleLabel ? (
        <span className="switch-label" aria-hidden="true">
          {label}
        </span>
      ) : null}
    </button>
  );
}
