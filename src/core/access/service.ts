import { z } from 'zod';
import type { Db, DbTx } from '../../db/client.ts';
import { NotFoundError, UnauthorizedError } from '../errors.ts';
import { id, parseInput } from '../validation.ts';
import { PERMISSIONS, ROLE_DEFAULT_PERMISSIONS, requireAdmin, type Actor, type PermissionKey, type RoleName } from './rules.ts';

export const grantInput = z.object({ userId: id, permission: z.enum(PERMISSIONS) });

export interface AccessService {
  /** The actor for an active user; an unknown or deactivated user is not authenticated. */
  actorFor(userId: string): Promise<Actor>;
  grant(actor: Actor, input: { userId: string; permission: string }): Promise<PermissionKey[]>;
  revoke(actor: Actor, input: { userId: string; permission: string }): Promise<PermissionKey[]>;
  permissionsOf(actor: Actor, userId: string): Promise<PermissionKey[]>;
}

/** Grants a role's default permissions; part of creating a user or changing a role. */
export async function grantRoleDefaults(tx: DbTx, userId: string, role: RoleName): Promise<void> {
  const keys = ROLE_DEFAULT_PERMISSIONS[role];
  const permissions = await tx.permission.findMany({ where: { key: { in: [...keys] } }, select: { id: true } });
  await tx.userPermission.createMany({
    data: permissions.map((p) => ({ userId, permissionId: p.id })),
    skipDuplicates: true,
  });
}

export function createAccessService(db: Db): AccessService {
  async function keysOf(userId: string): Promise<PermissionKey[]> {
    const rows = await db.userPermission.findMany({ where: { userId }, select: { permission: { select: { key: true } } } });
    return rows.map((r) => r.permission.key as PermissionKey).sort();
  }

  async function change(actor: Actor, raw: unknown, add: boolean): Promise<PermissionKey[]> {
    requireAdmin(actor);
    const input = parseInput(grantInput, raw);
    const [user, permission] = await Promise.all([
      db.user.findUnique({ where: { id: input.userId }, select: { id: true } }),
      db.permission.findUnique({ where: { key: input.permission } }),
    ]);
    if (!user) throw new NotFoundError('User', input.userId);
    if (!permission) throw new NotFoundError('Permission', input.permission);
    if (add) {
      await db.userPermission.createMany({ data: [{ userId: user.id, permissionId: permission.id }], skipDuplicates: true });
    } else {
      await db.userPermission.deleteMany({ where: { userId: user.id, permissionId: permission.id } });
    }
    return keysOf(user.id);
  }

  return {
    async actorFor(userId) {
      if (!z.uuid().safeParse(userId).success) throw new UnauthorizedError();
      const user = await db.user.findUnique({
        where: { id: userId },
        select: { id: true, role: true, isActive: true, permissions: { select: { permission: { select: { key: true } } } } },
      });
      if (!user || !user.isActive) throw new UnauthorizedError('unauthorized', 'Unknown or deactivated user');
      return {
        userId: user.id,
        role: user.role,
        permissions: new Set(user.permissions.map((p) => p.permission.key as PermissionKey)),
      };
    },
    grant: (actor, input) => change(actor, input, true),
    revoke: (actor, input) => change(actor, input, false),
    async permissionsOf(actor, userId) {
      if (actor.userId !== userId) requireAdmin(actor);
      parseInput(id, userId);
      return keysOf(userId);
    },
  };
}
