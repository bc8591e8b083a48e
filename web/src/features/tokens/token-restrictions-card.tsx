import { type FormEvent, useRef, useState } from 'react';
import { useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { toApiError } from '../../lib/graphql';
import { formatDateTime } from '../../lib/time';
import { AllowedCidrsField, NotBeforeField, UsageLimitField } from './restriction-fields';
import {
  type RestrictionField,
  type RestrictionsDraft,
  refillLabels,
  restrictionFields,
  restrictionsDraftOf,
  tightenInput,
} from './token-restrictions';
import { useTightenTokenRestrictions } from './tokens.mutations';
import type { TokenDetail } from './tokens.operations';

/** The detail page's restrictions: what they are, the credits left, and (while the token lives) a form to tighten them. */
export function TokenRestrictions({ token }: { token: TokenDetail }) {
  const live = token.status !== 'REVOKED' && token.status !== 'EXPIRED';
  return (
    <>
      <RestrictionFacts token={token} />
      <p className="note">
        Restrictions can only be tightened: fewer addresses, a later start, fewer requests. To loosen one,
        create a new token.
      </p>
      {live ? <TightenForm token={token} /> : null}
    </>
  );
}

function RestrictionFacts({ token }: { token: TokenDetail }) {
  const { allowedCidrs, notBefore, usageLimit, usageRefill, usageRemaining } = token;
  return (
    <dl className="facts">
      <dt>Allowed IP ranges</dt>
      <dd>
        {allowedCidrs ? (
          <ul className="permission-list">
            {allowedCidrs.map((range) => (
              <li key={range}>
                <code>{range}</code>
              </li>
            ))}
          </ul>
        ) : (
          'Any address'
        )}
      </dd>
      <dt>Not before</dt>
      <dd>
        {notBefore ? (
          <time dateTime={notBefore}>{formatDateTime(notBefore)}</time>
        ) : (
          'No start date: valid from creation'
        )}
      </dd>
      <dt>Usage limit</dt>
      <dd>
        {usageLimit === null
          ? 'No limit'
          : `${usageLimit} ${usageLimit === 1 ? 'request' : 'requests'}${
              usageRefill
                ? `, refilled to ${usageRefill.amount} ${refillLabels[usageRefill.interval].toLowerCase()}`
                : ', never refilled'
            }`}
      </dd>
      {usageLimit === null ? null : (
        <>
          <dt>Credits left</dt>
          <dd>{`${usageRemaining ?? 0} of ${usageLimit} left`}</dd>
        </>
      )}
    </dl>
  );
}

function TightenForm({ token }: { token: TokenDetail }) {
  const current = restrictionsDraftOf(token);
  // Untouched (null), the form shows the token's current restrictions, however they last changed.
  const [edited, setEdited] = useState<RestrictionsDraft | null>(null);
  const draft = edited ?? current;
  const [errors, setErrors] = useState<FormErrors<RestrictionField>>(noErrors);
  const [saved, setSaved] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const tighten = useTightenTokenRestrictions();

  const change = (part: Partial<RestrictionsDraft>) => {
    setSaved(false);
    setEdited({ ...draft, ...part });
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (tighten.isPending) return;
    setSaved(false);
    const result = tightenInput(current, draft);
    if ('errors' in result) {
      setErrors({ fields: result.errors, form: null });
      return;
    }
    if (Object.keys(result.input).length === 0) {
      setErrors({ fields: {}, form: 'Nothing to tighten: change a restriction above first.' });
      return;
    }
    setErrors(noErrors());
    tighten.mutate(
      { id: token.id, input: result.input },
      {
        onSuccess: () => {
          setEdited(null);
          setSaved(true);
        },
        onError: (failure) => setErrors(toFormErrors(toApiError(failure), restrictionFields)),
      },
    );
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate className="details-form tighten-form">
      <h3>Tighten restrictions</h3>
      <ErrorAlert message={errors.form} />
      <AllowedCidrsField
        draft={draft}
        errors={errors.fields}
        onChange={change}
        hint="Remove addresses, or replace a range with a narrower one inside it. One per line."
      />
      <NotBeforeField
        draft={draft}
        errors={errors.fields}
        onChange={change}
        hint="A later date and time (your time zone): the token is refused until then."
      />
      <UsageLimitField
        draft={draft}
        errors={errors.fields}
        onChange={change}
        hint="Fewer requests: the credits left and any refill are capped to it."
      />
      <button type="submit" className="button" aria-busy={tighten.isPending}>
        Tighten restrictions
      </button>
      {saved ? <StatusMessage>Restrictions tightened.</StatusMessage> : null}
    </form>
  );
}
