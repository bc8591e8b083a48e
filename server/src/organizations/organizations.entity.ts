import { EntitySchema } from '@mikro-orm/core';
import { Account } from '../accounts/accounts.entity.js';
import type { PermissionPreset } from '../permissions/presets.js';

export const ORGANIZATION_ROLES = ['OWNER', 'ADMIN', 'MEMBER'] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

/**
 * An organization: a name, a unique slug and its members. Its rules (who may change what, the
 * last owner) are in organizations.service.ts.
 */
export class Organization {
  id!: string;
  /** Lowercase letters, digits and hyphens, 3–40; unique. */
  slug!: string;
  name!: string;
  /** Policy: the longest lifetime, in days, a new organization token may have; null: no maximum. */
  maxLifetimeDays: number | null = null;
  /** Policy: new organization tokens must have an expiry. */
  requireExpiry = false;
  /** Policy: the presets new organization tokens may use; null: any. */
  allowedPresets: PermissionPreset[] | null = null;
  /** Organization tokens unused for this many days become inactive (tokens/inactivity.ts); null: never. */
  deactivateAfterDays: number | null = null;
  /** Whether the organization's admins get the daily expiry-reminder digest for its tokens. */
  expiryReminders = true;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const OrganizationSchema = new EntitySchema<Organization>({
  class: Organization,
  tableName: 'organization',
  properties: {
    id: { type: 'uuid', primary: true },
    slug: { type: 'text', unique: 'organization_slug_unique' },
    name: { type: 'text' },
    maxLifetimeDays: { type: 'integer', nullable: true },
    requireExpiry: { type: 'boolean', default: false },
    allowedPresets: { type: 'text[]', nullable: true },
    deactivateAfterDays: { type: 'integer', nullable: true },
    expiryReminders: { type: 'boolean', default: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    updatedAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() },
  },
});

/** One account's membership of one organization. Deleting either deletes the membership. */
export class OrganizationMember {
  organization!: string;
  account!: string;
  role!: OrganizationRole;
  createdAt: Date = new Date();
}

export const OrganizationMemberSchema = new EntitySchema<OrganizationMember>({
  class: OrganizationMember,
  tableName: 'organization_member',
  indexes: [{ properties: ['account'] }],
  properties: {
    organization: {
      kind: 'm:1',
      entity: () => Organization,
      mapToPk: true,
      primary: true,
      deleteRule: 'cascade',
    },
    account: { kind: 'm:1', entity: () => Account, mapToPk: true, primary: true, deleteRule: 'cascade' },
    role: { type: 'text', enum: true, items: [...ORGANIZATION_ROLES] },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
