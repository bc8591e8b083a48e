import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { Link, useDocumentTitle } from '../../lib/router';
import { requestPasswordResetMutation } from './auth.operations';

export function ForgotPasswordPage() {
  useDocumentTitle('Reset your password');
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<FormErrors<'email'>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors(noErrors());
    try {
      await request(requestPasswordResetMutation, { email: email.trim() });
      setSentTo(email.trim());
    } catch (failure) {
      setErrors(toFormErrors(toApiError(failure), ['email']));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth-card">
      <h1>Reset your password</h1>
      {sentTo ? (
        <StatusMessage>
          If an account exists for {sentTo}, we have sent it a link to set a new password. The link expires
          soon, so use it today.
        </StatusMessage>
      ) : (
        <form ref={formRef} onSubmit={submit} noValidate>
          <p>Enter the email you signed up with and we will send you a link to set a new password.</p>
          <ErrorAlert message={errors.form} />
          <Field label="Email" error={errors.fields.email}>
            {(control) => (
              <input
                {...control}
                type="email"
                autoComplete="email"
                required
                value={email}
                onChange={(event) => setEmail(event.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>
            Send reset link
          </button>
        </form>
      )}
      <p className="auth-links">
        <Link to="/login">Back to log in</Link>
      </p>
    </div>
  );
}
