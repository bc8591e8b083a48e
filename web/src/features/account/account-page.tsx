import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { useDocumentTitle } from '../../lib/router';
import { useSignedInViewer, useViewer } from '../../lib/viewer';
import { changePasswordMutation, updateAccountMutation } from './account.operations';
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
  const { setViewer } = useViewer();
  const [name, setName] = useState(viewer.name);
  const [errors, setErrors] = useState<FormErrors<'name'>>(noErrors);
  const [saved, setSaved] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setErrors(noErrors());
    setSaved(false);
    try {
      setViewer((await request(updateAccountMutation, { name })).updateAccount);
      setSaved(true);
    } catch (failure) {
      setErrors(toFormErrors(toApiError(failure), ['name']));
    }
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
        <button type="submit" className="button">
          Save name
        </button>
        {saved ? <StatusMessage>Your name has been saved.</StatusMessage> : null}
      </form>
    </section>
  );
}

function PasswordForm() {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors<'currentPassword' | 'newPassword'>>(noErrors);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors(noErrors());
    setDone(false);
    try {
      await request(changePasswordMutation, { currentPassword, newPassword });
      setCurrentPassword('');
      setNewPassword('');
      setDone(true);
    } catch (failure) {
      setErrors(toFormErrors(toApiError(failure), ['currentPassword', 'newPassword']));
    } finally {
      setBusy(false);
    }
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
        <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>
          Change password
        </button>
        {done ? (
          <StatusMessage>Your password has been changed; your other sessions have ended.</StatusMessage>
        ) : null}
      </form>
    </section>
  );
}
