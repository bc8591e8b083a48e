/**
 * Typed GraphQL documents for the CLI: `graphql()` checks each operation against
 * `schema.graphql` at compile time (through the introspection in graphql-env.d.ts, regenerated
 * by `npm run typegen -w cli` and by the root `npm run schema:print`), so a schema change that
 * breaks a CLI query fails `npm run typecheck`.
 */
import { print } from '@0no-co/graphql.web';
import { initGraphQLTada, type TadaDocumentNode } from 'gql.tada';
import type { introspection } from './graphql-env.js';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string };
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';

/**
 * `true` somewhere in a result type when a selected field is missing from the schema (gql.tada
 * types such a field as `unknown`), else never.
 */
type UnknownField<T> = unknown extends T
  ? true
  : T extends readonly (infer Item)[]
    ? UnknownField<Item>
    : T extends object
      ? { [Key in keyof T]-?: UnknownField<T[Key]> }[keyof T]
      : never;

/**
 * A document whose result has no field outside the schema. `tsc` alone (without the editor
 * plugin) thus refuses a query that selects a field the schema does not have.
 */
export type CheckedDocument<Result, Variables> = TadaDocumentNode<Result, Variables> &
  ([UnknownField<Result>] extends [never]
    ? unknown
    : { 'a selected field is not in schema.graphql (run `npx gql.tada check` in cli/)': never });

/** The query text sent over HTTP, printed once per document. */
const printed = new WeakMap<object, string>();

export function documentText<Result, Variables>(document: TadaDocumentNode<Result, Variables>): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}
