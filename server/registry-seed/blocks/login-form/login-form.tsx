import { type FormEvent, useId, useState } from 'react';

export interface LoginFormValues {
  email: string;
  password: string;
  remember: boolean;
}

export interface LoginFormProps {
  /** Resolves on success; throw (or reject) with an Error whose message should be shown. */
  onSubmit: (values: LoginFormValues) => Promise<void>;
  title?: string;
  /** Where "Forgot your password?" points; hidden when omitted. */
  forgotPasswordHref?: string;
  /** Where "Create an account" points; hidden when omitted. */
  registerHref?: string;
}

type FieldErrors = Partial<Record<'email' | 'password', string>>;

function validate(email: string, password: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errors.email = 'Enter a valid email address.';
  if (password.length === 0) errors.password = 'Enter your password.';
  return errors;
}

/** A complete sign-in block: labelled fields, inline validation, a form-level error and a pending state. */
export function LoginForm({ onSubmit, title = 'Sign in', forgotPasswordHref, registerHref }: LoginFormProps) {
  const id = useId();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const handleSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const email = String(data.get('email') ?? '');
    const password = String(data.get('password') ?? '');
    const fieldErrors = validate(email, password);
    setErrors(fieldErrors);
    setFormError(null);
    if (Object.keys(fieldErrors).length > 0) return;
    setPending(true);
    try {
      await onSubmit({ email: email.trim(), password, remember: data.get('remember') === 'on' });
    } catch (error) {
      setFormError(error instanceof Error ? error.message : 'Sign-in failed. Try again.');
    } finally {
      setPending(false);
    }
  };

  return (
    <form
      noValidate
      onSubmit={handleSubmit}
      aria-labelledby={`${id}-title`}
      style={{ display: 'grid', gap: '1rem', maxWidth: '24rem', margin: '0 auto' }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      {formError && (
        <p role="alert" style={{ color: '#b91c1c', margin: 0 }}>
          {formError}
        </p>
      )}
      <div style={{ display: 'grid', gap: '0.25rem' }}>
        <label htmlFor={`${id}-email`}>Email</label>
        <input
          id={`${id}-email`}
          name="email"
          type="email"
          autoComplete="email"
          required
          aria-invalid={errors.email ? true : undefined}
          aria-describedby={errors.email ? `${id}-email-error` : undefined}
        />
        {errors.email && (
          <span id={`${id}-email-error`} style={{ color: '#b91c1c' }}>
            {errors.email}
          </span>
        )}
      </div>
      <div style={{ display: 'grid', gap: '0.25rem' }}>
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={errors.password ? true : undefined}
          aria-describedby={errors.password ? `${id}-password-error` : undefined}
        />
        {errors.password && (
          <span id={`${id}-password-error`} style={{ color: '#b91c1c' }}>
            {errors.password}
          </span>
        )}
      </div>
      <label style={{ display: 'flex', gap: '0.5rem', alignItems: 'center' }}>
        <input name="remember" type="checkbox" /> Remember me
      </label>
      <button type="submit" disabled={pending} aria-busy={pending || undefined}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
      {(forgotPasswordHref || registerHref) && (
        <p style={{ display: 'flex', justifyContent: 'space-between', margin: 0 }}>
          {forgotPasswordHref && <a href={forgotPasswordHref}>Forgot your password?</a>}
          {registerHref && <a href={registerHref}>Create an account</a>}
        </p>
      )}
    </form>
  );
}
