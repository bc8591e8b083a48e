import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { useDocumentTitle } from '../../lib/navigation';
import { useSetViewer, useSignedInViewer } from '../../lib/viewer';
import { auditKeys } from '../audit/audit.operations';
import { changePasswordMutation, sessionKeys, updateAccountMutation } from './account.operations';
import { SessionsList } from './sessions-list';

export function AccountPage() {
  useDocumentTitle('Account');
  return (
    <>
      <div className="page-head">
        <h1>Account</h1>
      </div>
      <NameForm />
      <PasswordForm />
      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Where you are logged in</h2>
        <SessionsList />
      </section>
    </>
  );
}

function NameForm() {
  const viewer = useSignedInViewer();
  const setViewer = useSetViewer();
  const client = useQueryClient();
  const [name, setName] = useState(viewer.name);
  const [errors, setErrors] = useState<FormErrors<'name'>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const save = useMutation({
    mutationFn: (newName: string) => request(updateAccountMutation, { name: newName }),
    onSuccess: ({ updateAccount }) => {
      setViewer(updateAccount);
      void client.invalidateQueries({ queryKey: auditKeys.all });
    },
    onError: (failure) => setErrors(toFormErrors(toApiError(failure), ['name'])),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (save.isPending) return;
    setErrors(noErrors());
    save.mutate(name);
  };

  return (
    <section aria-labelledby="name-heading">
      <h2 id="name-heading">Your name</h2>
      <form ref={formRef} onSubmit={submit} noValidate>
        <ErrorAlert message={errors.form} />
        <Field label="Name" error={errors.fields.name}>
          {(control) => (
            <input {...control} required value={name} onChange={(event) => setName(event.target.value)} />
          )}
        </Field>
        <button type="submit" className="button" aria-busy={save.isPending}>
          Save name
        </button>
        {save.isSuccess ? <StatusMessage>Your name has been saved.</StatusMessage> : null}
      </form>
    </section>
  );
}

function PasswordForm() {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors<'currentPassword' | 'newPassword'>>(noErrors);
  const client = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  // The other sessions end with the change: the sessions list and the audit log change with it.
  const change = useMutation({
    mutationFn: (variables: { currentPassword: string; newPassword: string }) =>
      request(changePasswordMutation, variables),
    onSuccess: () => {
      setCurrentPassword('');
      setNewPassword('');
      void client.invalidateQueries({ queryKey: sessionKeys.all });
      void client.invalidateQueries({ queryKey: auditKeys.all });
    },
    onError: (failure) => setErrors(toFormErrors(toApiError(failure), ['currentPassword', 'newPassword'])),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (change.isPending) return;
    setErrors(noErrors());
    change.mutate({ currentPassword, newPassword });
  };

  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form ref={formRef} onSubmit={submit} noValidate>
        <ErrorAlert message={errors.form} />
        <Field label="Current password" error={errors.fields.currentPassword}>
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete="current-password"
              required
              value={currentPassword}
              onChange={(event) => setCurrentPassword(event.target.value)}
            />
          )}
        </Field>
        <Field
          label="New password"
          error={errors.fields.newPassword}
          hint="At least 8 characters. Your other sessions and command-line logins will end."
        >
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete="new-password"
              required
              value={newPassword}
              onChange={(event) => setNewPassword(event.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="button button-primary" aria-disabled={change.isPending || undefined}>
          Change password
        </button>
        {change.isSuccess ? (
          <StatusMessage>Your password has been changed; your other sessions have ended.</StatusMessage>
        ) : null}
      </form>
    </section>
  );
}
