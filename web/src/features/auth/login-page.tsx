import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert } from '../../components/messages';
import { type FormErrors, noErrors, requireFilled, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { safeNextPath, useDocumentTitle } from '../../lib/navigation';
import { useSetViewer } from '../../lib/viewer';
import { loginMutation, signInOptionsQuery } from './auth.operations';
import { oidcErrorMessage } from './oidc-errors';

type LoginField = 'email' | 'password';

/** Checked here first: an empty form never reaches the server, so it spends no login attempt. */
const required: Record<LoginField, string> = {
  email: 'Enter your email address.',
  password: 'Enter your password.',
};

export function LoginPage() {
  useDocumentTitle('Log in');
  const setViewer = useSetViewer();
  const { next, error } = useSearch({ from: '/login' });
  const options = useQuery(signInOptionsQuery);
  const oidc = options.data?.oidc ?? null;
  // The reason a sign-in with the provider came back here; gone once the form is used instead.
  const [showOidcError, setShowOidcError] = useState(true);
  // Said once the provider's name is known, so the alert is announced once, with that name.
  const oidcError =
    error && showOidcError && !options.isPending
      ? oidcErrorMessage(error, oidc?.label ?? 'your identity provider')
      : null;
  const [values, setValues] = useState<Record<LoginField, string>>({ email: '', password: '' });
  const [errors, setErrors] = useState<FormErrors<LoginField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  // Signing in replaces the viewer; GuestOnly then sends the visitor on to `next`.
  const login = useMutation({
    mutationFn: (input: Record<LoginField, string>) => request(loginMutation, { input }),
    onSuccess: ({ login: viewer }) => setViewer(viewer),
    onError: (failure) => setErrors(toFormErrors(toApiError(failure), ['email', 'password'])),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (login.isPending) return;
    setShowOidcError(false);
    const input = { email: values.email.trim(), password: values.password };
    const missing = requireFilled(input, required);
    setErrors(missing);
    if (Object.keys(missing.fields).length === 0) login.mutate(input);
  };

  const update = (field: LoginField) => (event: { target: { value: string } }) =>
    setValues((current) => ({ ...current, [field]: event.target.value }));

  return (
    <div className="auth-card">
      <h1>Log in to Keyward</h1>
      <ErrorAlert message={oidcError} />
      <form ref={formRef} onSubmit={submit} noValidate>
        <ErrorAlert message={errors.form} />
        <Field label="Email" error={errors.fields.email}>
          {(control) => (
            <input
              {...control}
              type="email"
              autoComplete="username"
              required
              value={values.email}
              onChange={update('email')}
            />
          )}
        </Field>
        <Field label="Password" error={errors.fields.password}>
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete="current-password"
              required
              value={values.password}
              onChange={update('password')}
            />
          )}
        </Field>
        <button type="submit" className="button button-primary" aria-disabled={login.isPending || undefined}>
          Log in
        </button>
      </form>
      {oidc ? (
        <div className="auth-alternative">
          <p className="auth-divider">
            <span>or</span>
          </p>
          {/* A plain link: the provider's pages need a full navigation, not a fetch. */}
          <a
            className="button button-block"
            href={`${oidc.startUrl}?next=${encodeURIComponent(safeNextPath(next))}`}
          >
            Sign in with {oidc.label}
          </a>
        </div>
      ) : null}
      <p className="auth-links">
        <Link to="/forgot-password">Forgot your password?</Link>
        <span>
          No account yet?{' '}
          <Link to="/register" search={{ next }}>
            Create one
          </Link>
        </span>
      </p>
    </div>
  );
}
