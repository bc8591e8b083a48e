import type { Command } from 'commander';
import { registerTokenCreateCommand } from './token-create.js';
import { registerTokenListCommand } from './token-list.js';
import { registerTokenRevokeCommand } from './token-revoke.js';
import { registerTokenScopesCommand } from './token-scopes.js';

export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description('Create, list and revoke API tokens (through the GraphQL API, with the saved token)');
  registerTokenCreateCommand(token);
  registerTokenListCommand(token);
  registerTokenRevokeCommand(token);
  registerTokenScopesCommand(token);
}
