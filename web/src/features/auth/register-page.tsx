import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { Link, safeNextPath, useDocumentTitle, useNavigate, useSearchParam } from '../../lib/router';
import { useViewer } from '../../lib/viewer';
import { registerMutation } from './auth.operations';

const fields = ['name', 'email', 'password'] as const;
type RegisterField = (typeof fields)[number];

export function RegisterPage() {
  useDocumentTitle('Create an account');
  const { setViewer } = useViewer();
  const navigate = useNavigate();
  const next = useSearchParam('next');
  const [values, setValues] = useState<Record<RegisterField, string>>({ name: '', email: '', password: '' });
  const [errors, setErrors] = useState<FormErrors<RegisterField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const [busy, setBusy] = useState(false);

  const update = (field: RegisterField) => (event: { target: { value: string } }) =>
    setValues((current) => ({ ...current, [field]: event.target.value }));

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors(noErrors());
    try {
      const input = { name: values.name.trim(), email: values.email.trim(), password: values.password };
      const { register } = await request(registerMutation, { input });
      navigate(safeNextPath(next), { replace: true });
      setViewer(register);
    } catch (failure) {
      setErrors(toFormErrors(toApiError(failure), fields));
      setBusy(false);
    }
  };

  const loginLink = next ? `/login?next=${encodeURIComponent(next)}` : '/login';
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
        <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>
          Create account
        </button>
      </form>
      <p className="auth-links">
        <span>
          Already have an account? <Link to={loginLink}>Log in</Link>
        </span>
      </p>
    </div>
  );
}
