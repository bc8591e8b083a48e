import {
  AllowedCidrsField,
  cidrsHint,
  NotBeforeField,
  RefillFields,
  UsageLimitField,
} from './restriction-fields';
import type { RestrictionErrors, RestrictionsDraft } from './token-restrictions';

type RestrictionsSectionProps = {
  draft: RestrictionsDraft;
  errors: RestrictionErrors;
  onChange: (draft: RestrictionsDraft) => void;
};

/** The new-token form's optional restrictions: where from, from when, how many requests. */
export function RestrictionsSection({ draft, errors, onChange }: RestrictionsSectionProps) {
  const change = (part: Partial<RestrictionsDraft>) => onChange({ ...draft, ...part });
  return (
    <fieldset className="fieldset restrictions-fields">
      <legend>Restrictions</legend>
      <p className="hint restrictions-intro">
        Optional; leave a field empty for no restriction. Once the token exists, restrictions can be tightened
        but never loosened.
      </p>
      <AllowedCidrsField draft={draft} errors={errors} onChange={change} hint={cidrsHint} />
      <NotBeforeField
        draft={draft}
        errors={errors}
        onChange={change}
        hint="The token is refused until this date and time (your time zone) and listed as Pending."
      />
      <UsageLimitField
        draft={draft}
        errors={errors}
        onChange={change}
        hint="The token works for this many requests, then is refused. Unlike the rate limit, it does not reset unless you choose a refill."
      />
      <RefillFields draft={draft} errors={errors} onChange={change} />
    </fieldset>
  );
}
