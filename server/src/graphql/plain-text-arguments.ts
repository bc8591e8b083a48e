import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { validationError } from '../errors.js';
import { CONTROL_CHARACTER_REASON, findControlCharacterPath } from '../text.js';

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      plainTextArguments: PlainTextArgumentsPlugin<Types>;
    }
  }
}

/**
 * Every String (and ID) argument of every field, literal or variable, nested in inputs and lists,
 * is refused with VALIDATION_FAILED naming its path (e.g. `input.name`) when it holds a control
 * character other than tab and line breaks: NUL never reaches PostgreSQL, escapes never reach
 * storage. Fields without arguments are left unwrapped. Listed after scope-auth, so who may call
 * a field is decided first.
 */
export class PlainTextArgumentsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (Object.keys(fieldConfig.args).length === 0) return resolver;
    return (parent, args, context, info) => {
      const path = findControlCharacterPath(args, '');
      if (path) throw validationError(path, CONTROL_CHARACTER_REASON);
      return resolver(parent, args, context, info);
    };
  }
}

/** The plugin's name, for the builder's `plugins` list. */
export const plainTextArgumentsPlugin = 'plainTextArguments' as const;

SchemaBuilder.registerPlugin(plainTextArgumentsPlugin, PlainTextArgumentsPlugin);
