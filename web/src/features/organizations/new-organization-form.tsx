import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert } from '../../components/messages';
import { type FormErrors, noErrors, requireFilled, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { auditKeys } from '../audit/audit.operations';
import {
  type CreateOrganizationInput,
  createOrganizationMutation,
  organizationKeys,
} from './organizations.operations';

type OrganizationField = 'name' | 'slug';

/** "Acme Labs, Inc." → "acme-labs-inc": the slug offered while the slug field is untouched. */
export function slugFrom(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/** Name and slug; the viewer becomes the new organization's owner and lands on its members page. */
export function NewOrganizationForm() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  // The slug follows the name until it is edited by hand.
  const [slugEdited, setSlugEdited] = useState(false);
  const [errors, setErrors] = useState<FormErrors<OrganizationField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const create = useMutation({
    mutationFn: (input: CreateOrganizationInput) => request(createOrganizationMutation, { input }),
    onSuccess: async ({ createOrganization }) => {
      client.setQueryData(organizationKeys.detail(createOrganization.slug), createOrganization);
      void client.invalidateQueries({ queryKey: organizationKeys.all });
      void client.invalidateQueries({ queryKey: auditKeys.all });
      await navigate({ to: '/orgs/$slug/members', params: { slug: createOrganization.slug } });
    },
    onError: (failure) => setErrors(toFormErrors(toApiError(failure), ['name', 'slug'])),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    const values = { name: name.trim(), slug: slug.trim() };
    // The slug's format is the server's rule: its VALIDATION_FAILED message lands on the field.
    const found = requireFilled(values, {
      name: 'Enter the organization’s name.',
      slug: 'Enter a slug for the organization’s addresses.',
    });
    setErrors(found);
    if (Object.keys(found.fields).length === 0) create.mutate(values);
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate className="form-narrow">
      <ErrorAlert message={errors.form} />
      <Field label="Name" error={errors.fields.name} hint="For example “Acme Labs”.">
        {(control) => (
          <input
            {...control}
            required
            maxLength={100}
            autoComplete="organization"
            value={name}
            onChange={(event) => {
              setName(event.target.value);
              if (!slugEdited) setSlug(slugFrom(event.target.value));
            }}
          />
        )}
      </Field>
      <Field
        label="Slug"
        error={errors.fields.slug}
        hint={
          <>
            3–40 lowercase letters, digits and hyphens, unique on this server; it names the organization in
            addresses such as <code>/orgs/{slug || 'acme-labs'}</code> and in the CLI’s <code>--org</code>.
          </>
        }
      >
        {(control) => (
          <input
            {...control}
            required
            maxLength={40}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            value={slug}
            onChange={(event) => {
              setSlug(event.target.value);
              setSlugEdited(true);
            }}
          />
        )}
      </Field>
      <button type="submit" className="button button-primary" aria-disabled={create.isPending || undefined}>
        Create organization
      </button>
    </form>
  );
}
