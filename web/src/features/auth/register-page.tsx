import { useMutation } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert } from '../../components/messages';
import { type FormErrors, noErrors, requireFilled, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { useDocumentTitle } from '../../lib/navigation';
import { useSetViewer } from '../../lib/viewer';
import { registerMutation } from './auth.operations';

const fields = ['name', 'email', 'password'] as const;
type RegisterField = (typeof fields)[number];

const required: Record<RegisterField, string> = {
  name: 'Enter your name.',
  email: 'Enter your email address.',
  password: 'Choose a password.',
};

export function RegisterPage() {
  useDocumentTitle('Create an account');
  const setViewer = useSetViewer();
  const { next } = useSearch({ from: '/register' });
  const [values, setValues] = useState<Record<RegisterField, string>>({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<FormErrors<RegisterField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  // The new account is signed in at once; GuestOnly then sends the visitor on to `next`.
  const register = useMutation({
    mutationFn: (input: Record<RegisterField, string>) => request(registerMutation, { input }),
    onSuccess: ({ register: viewer }) => setViewer(viewer),
    onError: (failure) => setErrors(toFormErrors(toApiError(failure), fields)),
  });

  const update = (field: RegisterField) => (event: { target: { value: string } }) =>
    setValues((current) => ({ ...current, [field]: event.target.value }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (register.isPending) return;
    const input = { name: values.name.trim(), email: values.email.trim(), password: values.password };
    const missing = requireFilled(input, required);
    setErrors(missing);
    if (Object.keys(missing.fields).length === 0) register.mutate(input);
  };

  return (
    <div className="auth-card">
      <h1>Create your Keyward account</h1>
      <form ref={formRef} onSubmit={submit} noValidate>
        <ErrorAlert message={errors.form} />
        <Field label="Name" error={errors.fields.name}>
          {(control) => (
            <input {...control} autoComplete="name" required value={values.name} onChange={update('name')} />
          )}
        </Field>
        <Field label="Email" error={errors.fields.email}>
          {(control) => (
            <input
              {...control}
              type="email"
              autoComplete="email"
              required
              value={values.email}
              onChange={update('email')}
            />
          )}
        </Field>
        <Field label="Password" error={errors.fields.password} hint="At least 8 characters.">
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete="new-password"
              required
              value={values.password}
              onChange={update('password')}
            />
          )}
        </Field>
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={register.isPending || undefined}
        >
          Create account
        </button>
      </form>
      <p className="auth-links">
        <span>
          Already have an account?{' '}
          <Link to="/login" search={{ next }}>
            Log in
          </Link>
        </span>
      </p>
    </div>
  );
}
