import { z } from 'zod';
import { Prisma } from '../../db/client.ts';
import type { CoreDeps } from '../index.ts';
import { hasPermission, isAdmin, requireAdmin, type Actor } from '../access/index.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { pageInput, toPage, type Page } from '../pagination.ts';
import { id, parseInput } from '../validation.ts';
import { queryCoaches, type CoachView } from './queries.ts';
import { listCoachesInput, updateCoachInput, type ListCoachesInput, type UpdateCoachInput } from './schemas.ts';

export function createCoachesService({ db }: CoreDeps) {
  async function view(coachId: string): Promise<CoachView | null> {
    const [coach] = await queryCoaches(db, Prisma.sql`u."id" = ${coachId}`, { limit: 1 });
    return coach ?? null;
  }

  function parseCoachId(coachId: string): string {
    return parseInput(z.object({ coachId: id }), { coachId }).coachId;
  }

  return {
    /** A coach's profile with currentMemberCount and averageRating; deactivated coaches only for admins. */
    async get(actor: Actor, coachId: string): Promise<CoachView> {
      const target = parseCoachId(coachId);
      const coach = await view(target);
      if (!coach || (!coach.isActive && !isAdmin(actor))) throw new NotFoundError('Coach', target);
      return coach;
    },

    /**
     * Coaches a new member can pick (Property 9): accepting members and with an active account.
     * Coaches at capacity stay listed with hasCapacity=false, so a picker can show them as full
     * instead of having them vanish; choosing one is refused by the capacity check. No actor: the
     * list is shown before signup.
     */
    async listAcceptingCoaches(input: z.input<typeof pageInput> = {}): Promise<Page<CoachView>> {
      const page = parseInput(pageInput, input);
      const rows = await queryCoaches(db, Prisma.sql`cp."isAcceptingMembers" AND u."isActive"`, { ...page, limit: page.limit + 1 });
      return toPage(rows, page);
    },

    /** Every coach, for admins. */
    async list(actor: Actor, input: ListCoachesInput = {}): Promise<Page<CoachView>> {
      requireAdmin(actor);
      const q = parseInput(listCoachesInput, input);
      const conditions = [Prisma.sql`TRUE`];
      if (q.isAcceptingMembers !== undefined) conditions.push(Prisma.sql`cp."isAcceptingMembers" = ${q.isAcceptingMembers}`);
      if (q.search) conditions.push(Prisma.sql`u."name" ILIKE ${`%${escapeLike(q.search)}%`}`);
      const rows = await queryCoaches(db, Prisma.join(conditions, ' AND '), { ...q, limit: q.limit + 1 });
      return toPage(rows, q);
    },

    /**
     * Coaches edit their own profile; admins and coaches:write holders edit anyone's. Lowering
     * maxMembers below the current count keeps the members already assigned: the coach is full
     * until enough leave.
     */
    async updateProfile(actor: Actor, coachId: string, input: UpdateCoachInput): Promise<CoachView> {
      const target = parseCoachId(coachId);
      const changes = parseInput(updateCoachInput, input);
      const own = actor.role === 'Coach' && actor.userId === target;
      if (!own && !hasPermission(actor, 'coaches:write')) {
        throw new ForbiddenError('You can only edit your own coach profile', 'not_your_profile');
      }
      const { count } = await db.coachProfile.updateMany({ where: { userId: target, user: { role: 'Coach' } }, data: changes });
      if (count === 0) throw new NotFoundError('Coach', target);
      const coach = await view(target);
      if (!coach) throw new NotFoundError('Coach', target);
      return coach;
    },
  };
}

/** Makes a search term match literally inside ILIKE. */
function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export type CoachesService = ReturnType<typeof createCoachesService>;
