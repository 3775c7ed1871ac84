import type { DbTx, Role } from '../../db/client.ts';
import { Prisma } from '../../db/client.ts';
import { grantRoleDefaults, ROLE_DEFAULT_PERMISSIONS } from '../access/index.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { id } from '../validation.ts';

export interface NewUser {
  name: string;
  email?: string | null;
  role: Role;
  timezone: string;
  locale: string;
}

export interface NewMemberDetails {
  /** Set only after the coach was admitted under its lock (see members/assignment.ts). */
  coachId?: string | null;
  goals?: string | null;
  healthInfo?: string | null;
}

/**
 * Writes a user with its role's profile and default permissions in the caller's transaction
 * (Properties 1 and 6): there is never a Member without a member profile or a Coach without a
 * coach profile. A member joins at the injected clock's now; a coach's availability starts in the
 * coach's own time zone. A taken email becomes a ConflictError.
 */
export async function insertUser(tx: DbTx, user: NewUser, now: Date, member: NewMemberDetails = {}) {
  const created = await mapEmailTaken(() =>
    tx.user.create({
      data: { name: user.name, email: user.email ?? null, role: user.role, timezone: user.timezone, locale: user.locale },
    }),
  );
  await grantRoleDefaults(tx, created.id, user.role);
  const memberProfile =
    user.role === 'Member'
      ? await tx.memberProfile.create({
          data: {
            userId: created.id,
            joinedAt: now,
            coachId: member.coachId ?? null,
            goals: member.goals ?? null,
            healthInfo: member.healthInfo ?? null,
          },
        })
      : null;
  const coachProfile = user.role === 'Coach' ? await tx.coachProfile.create({ data: { userId: created.id, timezone: user.timezone } }) : null;
  return { user: created, memberProfile, coachProfile };
}

/** Creates the profile a role needs when the user has none yet (a role change). */
export async function ensureRoleProfile(tx: DbTx, user: { id: string; role: Role; timezone: string }, now: Date): Promise<void> {
  if (user.role === 'Member') {
    await tx.memberProfile.createMany({ data: [{ userId: user.id, joinedAt: now }], skipDuplicates: true });
  } else if (user.role === 'Coach') {
    await tx.coachProfile.createMany({ data: [{ userId: user.id, timezone: user.timezone }], skipDuplicates: true });
  }
}

/** Moves a user's default grants from one role to another; grants added by hand stay. */
export async function changeRole(tx: DbTx, user: { id: string; role: Role; timezone: string }, to: Role, now: Date) {
  const keep = new Set<string>(ROLE_DEFAULT_PERMISSIONS[to]);
  const drop = ROLE_DEFAULT_PERMISSIONS[user.role].filter((key) => !keep.has(key));
  if (drop.length) {
    await tx.userPermission.deleteMany({ where: { userId: user.id, permission: { key: { in: drop } } } });
  }
  await grantRoleDefaults(tx, user.id, to);
  await ensureRoleProfile(tx, { ...user, role: to }, now);
}

export async function mapEmailTaken<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('email_taken', 'This email is already used by another account');
    throw error;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/** The id of the user an operator names by id or (case-insensitive) email; a NotFoundError otherwise. */
export async function findUserByRef(db: DbTx, ref: string): Promise<string> {
  const byId = id.safeParse(ref);
  const user = byId.success
    ? await db.user.findUnique({ where: { id: byId.data }, select: { id: true } })
    : await db.user.findFirst({ where: { email: { equals: ref, mode: 'insensitive' } }, select: { id: true } });
  if (!user) throw new NotFoundError('User', ref);
  return user.id;
}
