import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { type TokenDetail, updateTokenMutation } from './tokens.operations';

const fields = ['name', 'description'] as const;
type DetailsField = (typeof fields)[number];

type TokenDetailsFormProps = { token: TokenDetail; onSaved: (token: TokenDetail) => void };

/** Name and description are the only things that can change after creation. */
export function TokenDetailsForm({ token, onSaved }: TokenDetailsFormProps) {
  const [name, setName] = useState(token.name);
  const [description, setDescription] = useState(token.description ?? '');
  const [errors, setErrors] = useState<FormErrors<DetailsField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setSaved(false);
    if (!name.trim()) {
      setErrors({ fields: { name: 'Enter a name.' }, form: null });
      return;
    }
    setBusy(true);
    setErrors(noErrors());
    try {
      const input = { name: name.trim(), description: description.trim() || null };
      const { updateToken } = await request(updateTokenMutation, { id: token.id, input });
      onSaved(updateToken);
      setSaved(true);
    } catch (failure) {
      setErrors(toFormErrors(toApiError(failure), fields));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate className="details-form">
      <ErrorAlert message={errors.form} />
      <Field label="Name" error={errors.fields.name}>
        {(control) => (
          <input
            {...control}
            required
            maxLength={100}
            autoComplete="off"
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </Field>
      <Field label="Description" error={errors.fields.description}>
        {(control) => (
          <textarea
            {...control}
            rows={2}
            maxLength={500}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        )}
      </Field>
      <button type="submit" className="button" aria-busy={busy}>
        Update details
      </button>
      {saved ? <StatusMessage>Details updated.</StatusMessage> : null}
    </form>
  );
}
