/**
 * Token presets and effective permissions. Everything here is evaluated at request
 * time against today's catalogue: preset tokens follow the catalogue as it grows, CUSTOM tokens
 * hold exactly the list fixed at creation, and nothing ever exceeds what the owner may do.
 */
import { findResource, type PermissionAction, type PermissionCatalogue } from './catalogue.js';

export type PermissionPreset = 'ALL' | 'READ_ONLY' | 'CLI' | 'CUSTOM';

export const PERMISSION_PRESETS: readonly PermissionPreset[] = Object.freeze([
  'ALL',
  'READ_ONLY',
  'CLI',
  'CUSTOM',
] as const);

export function isPermissionPreset(value: unknown): value is PermissionPreset {
  return typeof value === 'string' && (PERMISSION_PRESETS as readonly string[]).includes(value);
}

function sortedUnique(permissions: Iterable<string>): string[] {
  return [...new Set(permissions)].sort();
}

function actionsWhere(catalogue: PermissionCatalogue, keep: (action: PermissionAction) => boolean): string[] {
  return catalogue.flatMap((resource) => resource.actions.filter(keep).map((action) => action.permission));
}

/**
 * Permissions a preset grants against today's catalogue, sorted. For CUSTOM, the stored list
 * filtered to permissions that still exist (an action removed from the catalogue grants nothing).
 */
export function presetPermissions(
  preset: PermissionPreset,
  catalogue: PermissionCatalogue,
  custom: readonly string[] = [],
): string[] {
  switch (preset) {
    case 'ALL':
      return sortedUnique(actionsWhere(catalogue, () => true));
    case 'READ_ONLY':
      return sortedUnique(actionsWhere(catalogue, (action) => action.kind === 'read'));
    case 'CLI':
      return sortedUnique(actionsWhere(catalogue, (action) => action.cli));
    case 'CUSTOM': {
      const existing = new Set(actionsWhere(catalogue, () => true));
      return sortedUnique(custom.filter((permission) => existing.has(permission)));
    }
    default:
      // An unknown preset read from storage fails closed instead of granting anything.
      return [];
  }
}

export type NormalizedCustomPermissions =
  | { ok: true; permissions: string[] }
  | { ok: false; invalid: string[] };

/**
 * Validates a CUSTOM selection. Each entry is `resource:action` from the catalogue, or a bare
 * resource name / `resource:*`, which expands to that resource's actions now and so never gains
 * future ones. Surrounding whitespace is ignored (CLI `--scopes a:b, c:d`); matching is otherwise
 * exact. Bad entries are reported once each, as given, in input order. An empty selection is
 * `{ok:false, invalid:[]}`: the caller words that as "choose at least one permission".
 */
export function normalizeCustomPermissions(
  input: readonly string[],
  catalogue: PermissionCatalogue,
): NormalizedCustomPermissions {
  const granted = new Set<string>();
  const invalid: string[] = [];
  const existing = new Set(actionsWhere(catalogue, () => true));

  for (const entry of input) {
    const expanded = typeof entry === 'string' ? expandEntry(entry.trim(), catalogue, existing) : undefined;
    if (expanded === undefined) {
      const given = typeof entry === 'string' ? entry : String(entry);
      if (!invalid.includes(given)) invalid.push(given);
      continue;
    }
    for (const permission of expanded) granted.add(permission);
  }

  if (invalid.length > 0 || granted.size === 0) return { ok: false, invalid };
  return { ok: true, permissions: sortedUnique(granted) };
}

function expandEntry(
  entry: string,
  catalogue: PermissionCatalogue,
  existing: ReadonlySet<string>,
): readonly string[] | undefined {
  if (existing.has(entry)) return [entry];
  const resourceName = entry.endsWith(':*') ? entry.slice(0, -2) : entry;
  // A colon left in the name means a `resource:action` that does not exist, not a resource.
  if (resourceName.includes(':')) return undefined;
  const resource = findResource(catalogue, resourceName);
  if (resource === undefined || resource.actions.length === 0) return undefined;
  return resource.actions.map((action) => action.permission);
}

export interface PermissionOwner {
  role: 'member' | 'admin';
  emailVerified: boolean;
}

function ownerMayHold(owner: PermissionOwner, action: PermissionAction): boolean {
  if (action.requires === 'admin' && owner.role !== 'admin') return false;
  // An unverified account can look but not change anything until it proves its email.
  if (!owner.emailVerified && action.kind !== 'read') return false;
  return true;
}

/** What an account itself may do today; a token can never do more than this. */
export function ownerPermissions(owner: PermissionOwner, catalogue: PermissionCatalogue): Set<string> {
  return new Set(actionsWhere(catalogue, (action) => ownerMayHold(owner, action)));
}

/** A token's effective permissions: its preset's grant capped by the owner's, sorted. */
export function effectivePermissions(
  token: { preset: PermissionPreset; permissions: readonly string[] | null },
  owner: PermissionOwner,
  catalogue: PermissionCatalogue,
): string[] {
  const ownerSet = ownerPermissions(owner, catalogue);
  return presetPermissions(token.preset, catalogue, token.permissions ?? []).filter((permission) =>
    ownerSet.has(permission),
  );
}

/** Presets (other than CUSTOM) that include a permission today: used by `keyward token scopes`. */
export function presetsIncluding(permission: string, catalogue: PermissionCatalogue): PermissionPreset[] {
  return PERMISSION_PRESETS.filter(
    (preset) => preset !== 'CUSTOM' && presetPermissions(preset, catalogue).includes(permission),
  );
}

/**
 * Preset drift: the permissions an ALL, READ_ONLY or CLI token gained after it was created, i.e.
 * those its preset grants today whose action joined the catalogue after `createdAt` (catalogue
 * `addedAt`), sorted. A CUSTOM token never gains anything: always empty.
 */
export function presetDrift(
  token: { preset: PermissionPreset; createdAt: Date },
  catalogue: PermissionCatalogue,
): string[] {
  if (token.preset === 'CUSTOM') return [];
  const created = token.createdAt.getTime();
  const added = new Map(
    catalogue.flatMap((resource) =>
      resource.actions.map((action) => [action.permission, Date.parse(action.addedAt)] as const),
    ),
  );
  return presetPermissions(token.preset, catalogue).filter(
    (permission) => (added.get(permission) ?? Number.NEGATIVE_INFINITY) > created,
  );
}

/** The resources an organization token may act on, all of their actions (but `org:create`). */
const ORGANIZATION_RESOURCES: ReadonlySet<string> = new Set(['org', 'org-members', 'org-tokens']);
/** Resources an organization token may read (installs from CI for the team). */
const ORGANIZATION_READ_RESOURCES: ReadonlySet<string> = new Set(['components', 'blocks']);

/**
 * What an organization itself may do today, the cap of its tokens as ownerPermissions is the cap of
 * a person's: its own organization (read it, its members, its tokens; manage members and tokens as
 * an ADMIN would) and the read actions of the libraries. Never anything personal (account, tokens,
 * audit, sessions), creating organizations, or a site admin's action. See docs/architecture.md,
 * "Organization tokens".
 */
export function organizationPermissions(catalogue: PermissionCatalogue): Set<string> {
  const permissions = new Set<string>();
  for (const resource of catalogue) {
    for (const action of resource.actions) {
      if (action.requires === 'admin') continue;
      const organizational = ORGANIZATION_RESOURCES.has(resource.name) && action.permission !== 'org:create';
      const library = ORGANIZATION_READ_RESOURCES.has(resource.name) && action.kind === 'read';
      if (organizational || library) permissions.add(action.permission);
    }
  }
  return permissions;
}

/** An organization token's effective permissions: its preset's grant capped by organizationPermissions, sorted. */
export function organizationTokenPermissions(
  token: { preset: PermissionPreset; permissions: readonly string[] | null },
  catalogue: PermissionCatalogue,
): string[] {
  const cap = organizationPermissions(catalogue);
  return presetPermissions(token.preset, catalogue, token.permissions ?? []).filter((permission) =>
    cap.has(permission),
  );
}
