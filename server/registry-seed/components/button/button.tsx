import type { ButtonHTMLAttributes, ReactNode } from 'react';
import './button.css';

export type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger';
export type ButtonSize = 'sm' | 'md' | 'lg';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: ButtonSize;
  /** Shows a spinner, disables the button and announces the busy state to assistive technology. */
  loading?: boolean;
  /** An icon before the label. */
  icon?: ReactNode;
}

/** A native <button> (type="button" unless told otherwise, so it never submits a form by accident). */
export function Button({
  variant = 'primary',
  size = 'md',
  loading = false,
  icon,
  disabled,
  className,
  children,
  type = 'button',
  ...rest
}: ButtonProps) {
  const classes = ['kw-button', `kw-button--${variant}`, `kw-button--${size}`, className]
    .filter(Boolean)
    .join(' ');
  return (
    <button
      {...rest}
      type={type}
      className={classes}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
    >
      {loading ? <span className="kw-button__spinner" aria-hidden="true" /> : icon}
      <span className="kw-button__label">{children}</span>
    </button>
  );
}
