import { AccountLinkSchema, AccountSchema } from '../accounts/accounts.entity.js';
import { AuditEventSchema } from '../audit/audit.entity.js';
import { DigestSentSchema } from '../jobs/digest.entity.js';
import { OutboxMailSchema } from '../mail/mail.entity.js';
import { OrganizationMemberSchema, OrganizationSchema } from '../organizations/organizations.entity.js';
import { RefreshTokenSchema, ServerSecretSchema } from '../sessions/refresh-token.entity.js';
import { SessionSchema } from '../sessions/sessions.entity.js';
import { TokenCreditLeaseSchema } from '../tokens/credit-lease.entity.js';
import { TokenExpiryReminderSchema } from '../tokens/expiry-reminder.entity.js';
import {
  ApiTokenSchema,
  TokenCreditSchema,
  TokenPermissionUseSchema,
  TokenUsageDaySchema,
} from '../tokens/tokens.entity.js';

export const entities = [
  AccountSchema,
  AccountLinkSchema,
  SessionSchema,
  OutboxMailSchema,
  ApiTokenSchema,
  TokenUsageDaySchema,
  TokenCreditSchema,
  TokenPermissionUseSchema,
  TokenCreditLeaseSchema,
  AuditEventSchema,
  RefreshTokenSchema,
  ServerSecretSchema,
  DigestSentSchema,
  TokenExpiryReminderSchema,
  OrganizationSchema,
  OrganizationMemberSchema,
];
