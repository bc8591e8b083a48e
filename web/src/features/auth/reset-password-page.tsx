import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { useDocumentTitle } from '../../lib/navigation';
import { viewerKey } from '../../lib/query-client';
import { resetPasswordMutation } from './auth.operations';

export function ResetPasswordPage() {
  useDocumentTitle('Set a new password');
  const { token } = useSearch({ from: '/reset-password' });
  const client = useQueryClient();
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors<'password'>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const reset = useMutation({
    mutationFn: (variables: { token: string; password: string }) => request(resetPasswordMutation, variables),
    // A password reset ends every session, including this browser's.
    onSuccess: () => client.invalidateQueries({ queryKey: viewerKey }),
    onError: (failure) => setErrors(toFormErrors(toApiError(failure), ['password'])),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!token || reset.isPending) return;
    setErrors(noErrors());
    reset.mutate({ token, password });
  };

  return (
    <div className="auth-card">
      <h1>Set a new password</h1>
      {!token ? (
        <p className="alert alert-error" role="alert">
          This link is incomplete. Open the link from the email again, or{' '}
          <Link to="/forgot-password">ask for a new one</Link>.
        </p>
      ) : reset.isSuccess ? (
        <StatusMessage>
          Your password has been changed and you have been logged out everywhere.{' '}
          <Link to="/login">Log in with your new password</Link>.
        </StatusMessage>
      ) : (
        <form ref={formRef} onSubmit={submit} noValidate>
          <ErrorAlert message={errors.form} />
          <Field label="New password" error={errors.fields.password} hint="At least 8 characters.">
            {(control) => (
              <input
                {...control}
                type="password"
                autoComplete="new-password"
                required
                value={password}
                onChange={(event) => setPassword(event.target.value)}
              />
            )}
          </Field>
          <button
            type="submit"
            className="button button-primary"
            aria-disabled={reset.isPending || undefined}
          >
            Set new password
          </button>
          {errors.form ? (
            <p className="hint">
              Link expired? <Link to="/forgot-password">Ask for a new one</Link>.
            </p>
          ) : null}
        </form>
      )}
    </div>
  );
}
