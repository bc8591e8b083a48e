import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { type FormErrors, noErrors, requireFilled, toFormErrors } from '../../lib/form-errors';
import { type ApiError, request, toApiError } from '../../lib/graphql';
import { useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { useSetViewer, useSignedInViewer } from '../../lib/viewer';
import { auditKeys } from '../audit/audit.operations';
import { changePasswordMutation, sessionKeys, updateAccountMutation } from './account.operations';
import { SessionsList } from './sessions-list';

export function AccountPage() {
  useDocumentTitle('Account');
  const viewer = useSignedInViewer();
  return (
    <>
      <div className="page-head">
        <h1>Account</h1>
      </div>
      <p className="lead">
        Logged in as <strong>{viewer.email}</strong>. Change your name and password, and see where you are
        logged in.
      </p>
      <NameForm />
      <PasswordForm />
      <section className="card" aria-labelledby="sessions-heading">
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
      setName(updateAccount.name);
      void client.invalidateQueries({ queryKey: auditKeys.all });
    },
    onError: (failure) => setErrors(toFormErrors(toApiError(failure), ['name'])),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (save.isPending) return;
    const missing = requireFilled({ name: name.trim() }, { name: 'Enter your name.' });
    setErrors(missing);
    if (missing.fields.name) return;
    save.mutate(name.trim());
  };

  return (
    <section className="card" aria-labelledby="name-heading">
      <h2 id="name-heading">Your name</h2>
      <form ref={formRef} onSubmit={submit} noValidate>
        <ErrorAlert message={errors.form} />
        <Field label="Name" error={errors.fields.name}>
          {(control) => (
            <input
              {...control}
              autoComplete="name"
              maxLength={100}
              required
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                save.reset();
              }}
            />
          )}
        </Field>
        <button type="submit" className="button" aria-disabled={save.isPending || undefined}>
          Save name
        </button>
        {save.isSuccess ? (
          <StatusMessage>Your name has been saved: {printable(save.data.updateAccount.name)}.</StatusMessage>
        ) : null}
      </form>
    </section>
  );
}

type PasswordField = 'currentPassword' | 'newPassword';

/** A wrong current password belongs next to that field, not at the top of the form. */
function passwordErrors(error: ApiError): FormErrors<PasswordField> {
  if (error.code === 'INVALID_CREDENTIALS') return { fields: { currentPassword: error.message }, form: null };
  return toFormErrors(error, ['currentPassword', 'newPassword']);
}

function PasswordForm() {
  const [values, setValues] = useState<Record<PasswordField, string>>({
    currentPassword: '',
    newPassword: '',
  });
  const [errors, setErrors] = useState<FormErrors<PasswordField>>(noErrors);
  const client = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  // The other sessions end with the change: the sessions list and the audit log change with it.
  const change = useMutation({
    mutationFn: (variables: Record<PasswordField, string>) => request(changePasswordMutation, variables),
    onSuccess: () => {
      setValues({ currentPassword: '', newPassword: '' });
      void client.invalidateQueries({ queryKey: sessionKeys.all });
      void client.invalidateQueries({ queryKey: auditKeys.all });
    },
    onError: (failure) => setErrors(passwordErrors(toApiError(failure))),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (change.isPending) return;
    // Checked here first: an empty current password would count as a failed login.
    const found = requireFilled(values, {
      currentPassword: 'Enter your current password.',
      newPassword: 'Enter a new password.',
    });
    setErrors(found);
    if (Object.keys(found.fields).length === 0) change.mutate(values);
  };

  const update = (field: PasswordField) => (event: { target: { value: string } }) => {
    setValues((current) => ({ ...current, [field]: event.target.value }));
    change.reset();
  };

  return (
    <section className="card" aria-labelledby="password-heading">
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
              value={values.currentPassword}
              onChange={update('currentPassword')}
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
              value={values.newPassword}
              onChange={update('newPassword')}
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
