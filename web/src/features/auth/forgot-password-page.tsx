import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { type FormErrors, noErrors, requireFilled, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { useDocumentTitle } from '../../lib/navigation';
import { requestPasswordResetMutation } from './auth.operations';

export function ForgotPasswordPage() {
  useDocumentTitle('Reset your password');
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<FormErrors<'email'>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const send = useMutation({
    mutationFn: (address: string) => request(requestPasswordResetMutation, { email: address }),
    onError: (failure) => setErrors(toFormErrors(toApiError(failure), ['email'])),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (send.isPending) return;
    const missing = requireFilled({ email: email.trim() }, { email: 'Enter your email address.' });
    setErrors(missing);
    if (!missing.fields.email) send.mutate(email.trim());
  };

  return (
    <div className="auth-card">
      <h1>Reset your password</h1>
      {send.isSuccess ? (
        <StatusMessage>
          If an account exists for {send.variables}, we have sent it a link to set a new password. The link
          expires soon, so use it today.
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
          <button type="submit" className="button button-primary" aria-disabled={send.isPending || undefined}>
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
