import { z } from 'zod';
import { Prisma, type DbTx } from '../../db/client.ts';
import type { CoreDeps } from '../deps.ts';
import { hasPermission, isAdmin, requireAdmin, type Actor } from '../access/index.ts';
import { futureScheduledSessions, refuseStranded } from '../availability/index.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { lockCoachCalendar } from '../scheduling/lock.ts';
import { pageInput, toPage, type Page } from '../pagination.ts';
import { id, parseInput } from '../validation.ts';
import { queryCoaches, type CoachView } from './queries.ts';
import { listCoachesInput, updateCoachInput, type ListCoachesInput, type UpdateCoachInput } from './inputs.ts';

export function createCoachesService({ db, clock }: CoreDeps) {
  /** The coach's email is shown to admins and the coach themself only (queryCoaches decides). */
  async function view(coachId: string, viewer: Actor): Promise<CoachView | null> {
    const [coach] = await queryCoaches(db, Prisma.sql`u."id" = ${coachId}`, { limit: 1 }, viewer);
    return coach ?? null;
  }

  function parseCoachId(coachId: string): string {
    return parseInput(z.object({ coachId: id }), { coachId }).coachId;
  }

  return {
    /** A coach's profile with currentMemberCount and averageRating; deactivated coaches only for admins. */
    async get(actor: Actor, coachId: string): Promise<CoachView> {
      const target = parseCoachId(coachId);
      const coach = await view(target, actor);
      if (!coach || (!coach.isActive && !isAdmin(actor))) throw new NotFoundError('Coach', target);
      return coach;
    },

    /**
     * Coaches a new member can pick (Property 9): accepting members and with an active account.
     * Coaches at capacity stay listed with hasCapacity=false, so a picker can show them as full
     * instead of having them vanish; choosing one is refused by the capacity check. No actor: the
     * list is shown before signup.
     */
    async listAccepting(input: z.input<typeof pageInput> = {}): Promise<Page<CoachView>> {
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
      const rows = await queryCoaches(db, Prisma.join(conditions, ' AND '), { ...q, limit: q.limit + 1 }, actor);
      return toPage(rows, q);
    },

    /**
     * Coaches edit their own profile; admins and coaches:write holders edit anyone's. Lowering
     * maxMembers below the current count keeps the members already assigned: the coach is full
     * until enough leave. A new time zone is refused while it would put a future scheduled session
     * outside the windows (which keep their wall-clock times); otherwise the confirmed future
     * bookings' coach-local date and time are rewritten to it.
     */
    async updateProfile(actor: Actor, coachId: string, input: UpdateCoachInput): Promise<CoachView> {
      const target = parseCoachId(coachId);
      const changes = parseInput(updateCoachInput, input);
      const own = actor.role === 'Coach' && actor.userId === target;
      if (!own && !hasPermission(actor, 'coaches:write')) {
        throw new ForbiddenError('not_your_profile', 'You can only edit your own coach profile');
      }
      await db.$transaction(async (tx) => {
        // The zone decides where every session falls in the weekly windows, so a change is checked
        // and written under the same lock as bookings and availability edits.
        await lockCoachCalendar(tx, target);
        const profile = await tx.coachProfile.findFirst({ where: { userId: target, user: { role: 'Coach' } }, select: { timezone: true } });
        if (!profile) throw new NotFoundError('Coach', target);
        if (changes.timezone !== undefined && changes.timezone !== profile.timezone) {
          await moveToZone(tx, target, changes.timezone, clock.now());
        }
        await tx.coachProfile.update({ where: { userId: target }, data: changes });
      });
      const coach = await view(target, actor);
      if (!coach) throw new NotFoundError('Coach', target);
      return coach;
    },
  };
}

/**
 * Checks a coach's future scheduled sessions against their windows read in `timezone` and rewrites
 * the confirmed future bookings' local date and time to it. The caller holds the coach lock.
 */
async function moveToZone(tx: DbTx, coachId: string, timezone: string, now: Date): Promise<void> {
  const sessions = await futureScheduledSessions(tx, coachId, now, timezone);
  if (sessions.length === 0) return;
  const windows = await tx.coachAvailability.findMany({ where: { coachId, isActive: true } });
  refuseStranded(
    { timezone, windows },
    sessions,
    'timezone_strands_sessions',
    'In the new time zone some upcoming sessions would fall outside your availability; move or cancel them first',
  );
  for (const s of sessions) {
    if (!s.bookingId) continue;
    await tx.sessionBooking.updateMany({
      where: { id: s.bookingId, status: 'confirmed' },
      data: { requestedDate: new Date(`${s.date}T00:00:00.000Z`), requestedTime: s.time },
    });
  }
}

/** Makes a search term match literally inside ILIKE. */
function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export type CoachesService = ReturnType<typeof createCoachesService>;
