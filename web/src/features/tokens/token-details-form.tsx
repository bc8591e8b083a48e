import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { toApiError } from '../../lib/graphql';
import { TokenNameField } from './token-name-field';
import { useUpdateToken } from './tokens.mutations';
import type { TokenDetail } from './tokens.operations';

const fields = ['name', 'description'] as const;
type DetailsField = (typeof fields)[number];

/** Name and description are the only things that can change after creation. */
export function TokenDetailsForm({ token }: { token: TokenDetail }) {
  const [name, setName] = useState(token.name);
  const [description, setDescription] = useState(token.description ?? '');
  const [errors, setErrors] = useState<FormErrors<DetailsField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const update = useUpdateToken();

  // The confirmation belongs to the answer it confirms: it goes once the fields are edited again
  // or the token changes otherwise (switched off, say), so it never lingers over a newer state.
  const answer = update.data?.updateToken;
  const saved =
    answer !== undefined &&
    answer.name === name.trim() &&
    (answer.description ?? '') === description.trim() &&
    answer.status === token.status &&
    answer.active === token.active;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update.isPending) return;
    update.reset();
    if (!name.trim()) {
      setErrors({ fields: { name: 'Enter a name.' }, form: null });
      return;
    }
    setErrors(noErrors());
    const input = { name: name.trim(), description: description.trim() || null };
    update.mutate(
      { id: token.id, input },
      { onError: (failure) => setErrors(toFormErrors(toApiError(failure), fields)) },
    );
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate className="details-form">
      <ErrorAlert message={errors.form} />
      <TokenNameField value={name} error={errors.fields.name} onChange={setName} />
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
      <button type="submit" className="button" aria-busy={update.isPending}>
        Update details
      </button>
      {saved ? <StatusMessage>Details updated.</StatusMessage> : null}
    </form>
  );
}
