import type { ApiError } from './graphql';

export type FormErrors<TField extends string> = {
  fields: Partial<Record<TField, string>>;
  form: string | null;
};

export const noErrors = <TField extends string>(): FormErrors<TField> => ({ fields: {}, form: null });

/** `input.permissions.2` → `permissions`: the first path segment that names an input field. */
const normaliseField = (field: string): string =>
  field.split('.').find((segment) => segment !== 'input' && !/^\d+$/.test(segment)) ?? field;

/**
 * `name: use between 1 and 100 characters.` → `Use between 1 and 100 characters.`: shown next to the field,
 * whose label already names it, the API's `field: ` prefix only repeats it (in the API's spelling).
 */
function withoutFieldPrefix(message: string, rawField: string): string {
  const prefix = [`${rawField}: `, `${normaliseField(rawField)}: `].find((candidate) =>
    message.startsWith(candidate),
  );
  if (!prefix) return message;
  const rest = message.slice(prefix.length).trim();
  return rest ? `${rest.charAt(0).toUpperCase()}${rest.slice(1)}` : message;
}

/**
 * Splits a failed request into messages shown next to known fields and one message for the top
 * of the form. An error goes next to a field when its `extensions.field` names one, whatever its
 * code: VALIDATION_FAILED, and refusals that name their field (a taken slug, an unknown member's
 * email, an organization policy's rule on `expiresAt` or `preset`).
 */
export function toFormErrors<TField extends string>(
  error: ApiError,
  knownFields: readonly TField[],
  aliases: Readonly<Record<string, TField>> = {},
): FormErrors<TField> {
  const result = noErrors<TField>();
  const formMessages: string[] = [];
  const items = error.errors.length > 0 ? error.errors : [{ message: error.message, extensions: {} }];
  for (const item of items) {
    const raw = item.extensions?.field;
    const name = raw ? normaliseField(raw) : undefined;
    const field = name ? (aliases[name] ?? knownFields.find((known) => known === name)) : undefined;
    if (field && !result.fields[field]) {
      result.fields[field] = raw ? withoutFieldPrefix(item.message, raw) : item.message;
    } else if (!formMessages.includes(item.message)) {
      formMessages.push(item.message);
    }
  }
  result.form = formMessages.length > 0 ? formMessages.join(' ') : null;
  return result;
}

/**
 * The form's empty required fields, each with its message, checked before anything is sent.
 * `messages` lists the required fields.
 */
export function requireFilled<TField extends string>(
  values: Readonly<Record<TField, string>>,
  messages: Readonly<Partial<Record<TField, string>>>,
): FormErrors<TField> {
  const result = noErrors<TField>();
  for (const field of Object.keys(messages) as TField[]) {
    if (!values[field]) result.fields[field] = messages[field];
  }
  return result;
}
