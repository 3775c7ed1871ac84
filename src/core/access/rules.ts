import { ForbiddenError } from '../errors.ts';

export const PERMISSIONS = [
  'members:read',
  'members:write',
  'sessions:read',
  'sessions:write',
  'availability:write',
  'bookings:write',
  'coaches:write',
  'admin',
] as const;

export type PermissionKey = (typeof PERMISSIONS)[number];
export type RoleName = 'Member' | 'Coach' | 'Admin';

/**
 * What each role is granted when a user is created (rows in user_permissions, so an admin can
 * revoke or add single permissions afterwards). Admin passes every check whatever its rows say.
 */
export const ROLE_DEFAULT_PERMISSIONS: Record<RoleName, readonly PermissionKey[]> = {
  Member: ['members:read', 'sessions:read', 'bookings:write'],
  Coach: ['members:read', 'members:write', 'sessions:read', 'sessions:write', 'availability:write', 'bookings:write'],
  Admin: ['admin'],
};

/** Who is acting: loaded once per request or chat interaction, then passed to every service call. */
export interface Actor {
  userId: string;
  role: RoleName;
  permissions: ReadonlySet<PermissionKey>;
}

export function isAdmin(actor: Actor): boolean {
  return actor.role === 'Admin' || actor.permissions.has('admin');
}

export function hasPermission(actor: Actor, permission: PermissionKey): boolean {
  return isAdmin(actor) || actor.permissions.has(permission);
}

export function requirePermission(actor: Actor, permission: PermissionKey): void {
  if (!hasPermission(actor, permission)) {
    throw new ForbiddenError('missing_permission', `Missing permission ${permission}`, { permission });
  }
}

export function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new ForbiddenError('admin_only', 'Only an admin can do this');
}
