import { z } from 'zod';
import type { Prisma } from '../../db/client.ts';
import type { CoreDeps } from '../deps.ts';
import { isAdmin, requirePermission, type Actor } from '../access/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../errors.ts';
import { pageArgs, pageInput, toPage, type Page } from '../pagination.ts';
import { id, parseId, parseInput } from '../validation.ts';
import { isUniqueViolation } from '../users/index.ts';
import { ensureDirectConversation } from '../conversations/index.ts';
import { admitToCoach, announceAssignment, lockCoach, lockMember, requireRoom } from './assignment.ts';
import { canSeeCoachNotes, requireCanAssign, requireCanRead, requireCanUpdate, visibleMembers } from './rules.ts';
import {
  createMemberInput,
  listMembersInput,
  ONBOARDING_STATUSES,
  updateMemberInput,
  type CreateMemberInput,
  type ListMembersInput,
  type UpdateMemberInput,
} from './inputs.ts';

export const memberInclude = {
  user: { select: { id: true, name: true, email: true, timezone: true, locale: true, isActive: true } },
  coach: { select: { id: true, name: true } },
} as const satisfies Prisma.MemberProfileInclude;

export type MemberView = Prisma.MemberProfileGetPayload<{ include: typeof memberInclude }>;

/** Stable order for cursor pages: join order, then id to break ties. */
const memberOrder = [{ joinedAt: 'asc' }, { id: 'asc' }] as const satisfies Prisma.MemberProfileOrderByWithRelationInput[];

export function presentMember(actor: Actor, member: MemberView): MemberView {
  return canSeeCoachNotes(actor) ? member : { ...member, coachNotes: null };
}

export function createMembersService({ db, clock }: CoreDeps) {
  async function list(actor: Actor, where: Prisma.MemberProfileWhereInput, page: z.output<typeof pageInput>): Promise<Page<MemberView>> {
    const rows = await db.memberProfile.findMany({ where, include: memberInclude, orderBy: [...memberOrder], ...pageArgs(page) });
    return toPage(rows.map((m) => presentMember(actor, m)), page);
  }

  async function readable(actor: Actor, where: { id: string } | { userId: string }): Promise<MemberView> {
    const member = await db.memberProfile.findUnique({ where, include: memberInclude });
    if (!member) throw new NotFoundError('Member', 'id' in where ? where.id : undefined);
    requireCanRead(actor, member);
    return presentMember(actor, member);
  }

  return {
    /** Members the actor may see (Properties 2, 3), filtered and paged. */
    async list(actor: Actor, input: ListMembersInput = {}): Promise<Page<MemberView>> {
      requirePermission(actor, 'members:read');
      const q = parseInput(listMembersInput, input);
      const filters: Prisma.MemberProfileWhereInput = {
        ...(q.coachId ? { coachId: q.coachId } : {}),
        ...(q.membershipStatus ? { membershipStatus: q.membershipStatus } : {}),
        ...(q.onboardingStatus ? { onboardingStatus: q.onboardingStatus } : {}),
        ...(q.search ? { user: { name: { contains: q.search, mode: 'insensitive' } } } : {}),
      };
      return list(actor, { AND: [visibleMembers(actor), filters] }, q);
    },

    /** One member profile; others' profiles are refused to members and to coaches not theirs (Property 55). */
    async get(actor: Actor, memberId: string): Promise<MemberView> {
      requirePermission(actor, 'members:read');
      return readable(actor, { id: parseId(memberId, 'memberId') });
    },

    /** The member profile of a user (a member's own "profile" screen). */
    async getByUser(actor: Actor, userId: string): Promise<MemberView> {
      requirePermission(actor, 'members:read');
      return readable(actor, { userId: parseId(userId, 'userId') });
    },

    /** A profile for a Member account that has none; with a coach, assigned as assignCoach would. */
    async create(actor: Actor, input: CreateMemberInput): Promise<MemberView> {
      requirePermission(actor, 'members:write');
      const data = parseInput(createMemberInput, input);
      if (data.coachId) requireCanAssign(actor);
      const now = clock.now();
      return db.$transaction(async (tx) => {
        const user = await tx.user.findUnique({ where: { id: data.userId }, select: { id: true, name: true, role: true } });
        if (!user) throw new NotFoundError('User', data.userId);
        if (user.role !== 'Member') throw new UnprocessableError('not_a_member_account', 'Only a Member account can have a member profile');
        if (data.coachId) await admitToCoach(tx, data.coachId);
        let profile;
        try {
          profile = await tx.memberProfile.create({
            data: { userId: user.id, coachId: data.coachId ?? null, goals: data.goals ?? null, healthInfo: data.healthInfo ?? null, joinedAt: now },
            include: memberInclude,
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw new ConflictError('member_profile_exists', 'This user already has a member profile');
          throw error;
        }
        if (data.coachId) {
          await announceAssignment(
            tx,
            { memberId: profile.id, memberUserId: user.id, memberName: user.name, coachUserId: data.coachId, previousCoachId: null, version: now },
            now,
          );
        }
        return presentMember(actor, profile);
      });
    },

    /**
     * Members edit their own goals and health info; their coach (with members:write) and admins
     * also edit coach notes and membership status. Re-activating a member counts against the
     * coach's capacity like a new assignment does.
     */
    async update(actor: Actor, memberId: string, input: UpdateMemberInput): Promise<MemberView> {
      const target = parseId(memberId, 'memberId');
      const changes = parseInput(updateMemberInput, input);
      const fields = Object.entries(changes).filter(([, v]) => v !== undefined).map(([k]) => k);
      return db.$transaction(async (tx) => {
        const member = await lockMember(tx, target);
        if (!member) throw new NotFoundError('Member', target);
        requireCanUpdate(actor, member, fields);
        if (changes.membershipStatus === 'active' && member.membershipStatus !== 'active' && member.coachId) {
          requireRoom(await lockCoach(tx, member.coachId));
        }
        const updated = await tx.memberProfile.update({ where: { id: target }, data: changes, include: memberInclude });
        return presentMember(actor, updated);
      });
    },

    /**
     * Assigns (or moves) a member to a coach: the coach must accept members (422) and have room
     * (409), checked under the coach's row lock so concurrent assignments cannot overfill it. The
     * pair gets its direct conversation and the coach a notification. Assigning the current
     * coach again changes nothing.
     */
    async assignCoach(actor: Actor, memberId: string, coachId: string): Promise<MemberView> {
      requireCanAssign(actor);
      const input = parseInput(z.object({ memberId: id, coachId: id }), { memberId, coachId });
      const now = clock.now();
      return db.$transaction(async (tx) => {
        const member = await lockMember(tx, input.memberId);
        if (!member) throw new NotFoundError('Member', input.memberId);
        if (member.coachId === input.coachId) {
          await ensureDirectConversation(tx, input.coachId, member.userId, now);
          const current = await tx.memberProfile.findUniqueOrThrow({ where: { id: member.id }, include: memberInclude });
          return presentMember(actor, current);
        }
        const coach = await admitToCoach(tx, input.coachId);
        const updated = await tx.memberProfile.update({ where: { id: member.id }, data: { coachId: coach.userId } });
        await announceAssignment(
          tx,
          {
            memberId: member.id,
            memberUserId: member.userId,
            memberName: member.name,
            coachUserId: coach.userId,
            previousCoachId: member.coachId,
            version: member.updatedAt,
          },
          now,
        );
        return presentMember(actor, { ...updated, user: member.user, coach: { id: coach.userId, name: coach.name } });
      });
    },

    /** Onboarding moves freely between its three states: coaches may reopen a completed one. */
    async updateOnboardingStatus(actor: Actor, memberId: string, status: string): Promise<MemberView> {
      const target = parseId(memberId, 'memberId');
      const onboardingStatus = parseInput(z.object({ status: z.enum(ONBOARDING_STATUSES) }), { status }).status;
      const member = await db.memberProfile.findUnique({ where: { id: target }, select: { userId: true, coachId: true } });
      if (!member) throw new NotFoundError('Member', target);
      if (actor.userId !== member.userId) requireCanUpdate(actor, member, ['onboardingStatus']);
      const updated = await db.memberProfile.update({ where: { id: target }, data: { onboardingStatus }, include: memberInclude });
      return presentMember(actor, updated);
    },

    /** A coach's members: the coach themself and admins only. */
    async listByCoach(actor: Actor, coachId: string, input: z.input<typeof pageInput> = {}): Promise<Page<MemberView>> {
      requirePermission(actor, 'members:read');
      const coach = parseId(coachId, 'coachId');
      const page = parseInput(pageInput, input);
      if (!isAdmin(actor) && !(actor.role === 'Coach' && actor.userId === coach)) {
        throw new ForbiddenError('not_your_members', "You can only list your own members");
      }
      return list(actor, { coachId: coach }, page);
    },
  };
}

export type MembersService = ReturnType<typeof createMembersService>;

