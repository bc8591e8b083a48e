import type { Command } from 'commander';
import { registerTokenActiveCommands } from './token-active.js';
import { registerTokenCreateCommand } from './token-create.js';
import { registerTokenListCommand } from './token-list.js';
import { registerTokenRevokeCommand } from './token-revoke.js';
import { registerTokenRotateCommand } from './token-rotate.js';
import { registerTokenScopesCommand } from './token-scopes.js';
import { registerTokenShowCommands } from './token-show.js';

export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description(
      'Create, inspect, switch off, rotate and revoke API tokens (through the GraphQL API, with the saved token)',
    );
  registerTokenCreateCommand(token);
  registerTokenListCommand(token);
  registerTokenShowCommands(token);
  registerTokenActiveCommands(token);
  registerTokenRotateCommand(token);
  registerTokenRevokeCommand(token);
  registerTokenScopesCommand(token);
}
