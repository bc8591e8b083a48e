import { type FormEvent, useState } from 'react';
import { Field } from '../../components/field';
import { ErrorAlert } from '../../components/messages';
import { request, toApiError } from '../../lib/graphql';
import { Link, safeNextPath, useDocumentTitle, useNavigate, useSearchParam } from '../../lib/router';
import { useViewer } from '../../lib/viewer';
import { loginMutation } from './auth.operations';

export function LoginPage() {
  useDocumentTitle('Log in');
  const { setViewer } = useViewer();
  const navigate = useNavigate();
  const next = useSearchParam('next');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const { login } = await request(loginMutation, { input: { email: email.trim(), password } });
      navigate(safeNextPath(next), { replace: true });
      setViewer(login);
    } catch (failure) {
      setError(toApiError(failure).message);
      setBusy(false);
    }
  };

  const registerLink = next ? `/register?next=${encodeURIComponent(next)}` : '/register';
  return (
    <div className="auth-card">
      <h1>Log in to Keyward</h1>
      <form onSubmit={submit} noValidate>
        <ErrorAlert message={error} />
        <Field label="Email">
          {(control) => (
            <input
              {...control}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          )}
        </Field>
        <Field label="Password">
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>
          Log in
        </button>
      </form>
      <p className="auth-links">
        <Link to="/forgot-password">Forgot your password?</Link>
        <span>
          No account yet? <Link to={registerLink}>Create one</Link>
        </span>
      </p>
    </div>
  );
}
