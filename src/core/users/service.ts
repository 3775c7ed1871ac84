import { z } from 'zod';
import type { DbTx, Prisma } from '../../db/client.ts';
import type { CoreDeps } from '../deps.ts';
import { isAdmin, requireAdmin, type Actor } from '../access/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../errors.ts';
import { lockCoachCalendar } from '../scheduling/lock.ts';
import { pageArgs, toPage } from '../pagination.ts';
import { id, parseInput } from '../validation.ts';
import { changeRole, insertUser } from './records.ts';
import { createUserInput, listUsersInput, updateUserInput, type CreateUserInput, type ListUsersInput, type UpdateUserInput } from './inputs.ts';

const userInclude = {
  memberProfile: { select: { id: true } },
  coachProfile: { select: { id: true } },
} as const satisfies Prisma.UserInclude;

export function createUsersService({ db, clock }: CoreDeps) {
  async function load(userId: string) {
    const user = await db.user.findUnique({ where: { id: userId }, include: userInclude });
    if (!user) throw new NotFoundError('User', userId);
    return user;
  }

  function parseUserId(userId: string): string {
    return parseInput(z.object({ userId: id }), { userId }).userId;
  }

  return {
    /** Admins create accounts of any role; members sign up through `signup` instead. */
    async create(actor: Actor, input: CreateUserInput) {
      requireAdmin(actor);
      const data = parseInput(createUserInput, input);
      const { user, memberProfile, coachProfile } = await db.$transaction((tx) => insertUser(tx, data, clock.now()));
      return {
        ...user,
        memberProfile: memberProfile && { id: memberProfile.id },
        coachProfile: coachProfile && { id: coachProfile.id },
      };
    },

    async get(actor: Actor, userId: string) {
      const target = parseUserId(userId);
      if (target !== actor.userId) requireAdmin(actor);
      return load(target);
    },

    async list(actor: Actor, input: ListUsersInput = {}) {
      requireAdmin(actor);
      const page = parseInput(listUsersInput, input);
      const rows = await db.user.findMany({
        where: {
          ...(page.role ? { role: page.role } : {}),
          ...(page.isActive !== undefined ? { isActive: page.isActive } : {}),
          ...(page.search ? { name: { contains: page.search, mode: 'insensitive' as const } } : {}),
        },
        include: userInclude,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        ...pageArgs(page),
      });
      return toPage(rows, page);
    },

    /**
     * People change their own name, time zone and locale; only admins change someone else's, a
     * role, or whether an account is active. A new role gets its profile and default grants. A coach
     * is neither demoted nor deactivated while members are assigned to them or sessions are ahead.
     */
    async update(actor: Actor, userId: string, input: UpdateUserInput) {
      const target = parseUserId(userId);
      const changes = parseInput(updateUserInput, input);
      if (target !== actor.userId) requireAdmin(actor);
      if ((changes.role !== undefined || changes.isActive !== undefined) && !isAdmin(actor)) {
        throw new ForbiddenError('admin_only', 'Only an admin can change a role or deactivate an account');
      }
      await db.$transaction(async (tx) => {
        const user = await tx.user.findUnique({ where: { id: target } });
        if (!user) throw new NotFoundError('User', target);
        const leavesCoaching = (changes.role !== undefined && changes.role !== 'Coach') || (changes.isActive === false && user.isActive);
        if (user.role === 'Coach' && leavesCoaching) {
          // Under the coach lock, so no session is scheduled with them between the check and the write.
          await lockCoachCalendar(tx, target);
          await assertNothingAssigned(tx, target, clock.now());
        }
        if (changes.preferredPlatform) {
          const linked = await tx.chatIdentity.count({ where: { userId: target, platform: changes.preferredPlatform } });
          if (linked === 0) {
            throw new UnprocessableError('platform_not_linked', `preferredPlatform: no ${changes.preferredPlatform} account is linked to this user`, [
              { field: 'preferredPlatform', message: 'must be a platform with a linked chat account' },
            ]);
          }
        }
        await tx.user.update({
          where: { id: target },
          data: {
            name: changes.name,
            timezone: changes.timezone,
            locale: changes.locale,
            isActive: changes.isActive,
            role: changes.role,
            preferredPlatform: changes.preferredPlatform,
          },
        });
        if (changes.role && changes.role !== user.role) await changeRole(tx, user, changes.role, clock.now());
      });
      return load(target);
    },
  };
}

/** Refuses to take a coach out of coaching while active members are assigned or sessions are scheduled ahead. */
async function assertNothingAssigned(tx: DbTx, coachId: string, now: Date): Promise<void> {
  const members = await tx.memberProfile.count({ where: { coachId, membershipStatus: 'active' } });
  const sessions = await tx.session.count({ where: { coachId, status: 'scheduled', scheduledAt: { gte: now } } });
  if (members > 0 || sessions > 0) {
    throw new ConflictError(
      'coach_has_members_or_sessions',
      'This coach still has assigned members or upcoming sessions; reassign the members and cancel the sessions first',
      { activeMembers: members, upcomingSessions: sessions },
    );
  }
}

export type UsersService = ReturnType<typeof createUsersService>;

