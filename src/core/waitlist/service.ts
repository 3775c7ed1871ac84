import type { Db, DbTx, WaitlistEntryModel, WaitlistStatus } from '../../db/client.ts';
import { isAdmin, requirePermission, type Actor } from '../access/index.ts';
import { bookingPolicy, decideSlot, instantsAroundInstant, loadCoachCalendar, unbookableError } from '../availability/index.ts';
import type { BookingsService, BookingView } from '../bookings/index.ts';
import { assertMayBook } from '../bookings/rules.ts';
import type { Clock } from '../clock.ts';
import type { CoreConfig, CoreDeps } from '../deps.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { findIdempotencyRecord, parseIdempotencyKey } from '../idempotency.ts';
import { pageArgs, toPage, type Page } from '../pagination.ts';
import { COACH_LOCK_TX_OPTIONS, lockCoachCalendar } from '../scheduling/lock.ts';
import type { BookingSource } from '../telemetry.ts';
import { parseId, parseInput } from '../validation.ts';
import { joinWaitlistInput, listWaitlistInput, type JoinWaitlistInput, type ListWaitlistInput } from './inputs.ts';
import { closingMoment, endEntries, offerFreedSeats, type OfferCounts } from './offers.ts';

// The waitlist of full slots (docs/design.md §11): join, see, leave; an offer is claimed (a booking,
// through the bookings service) or passed. Every change runs under the coach lock.

const LIVE: WaitlistStatus[] = ['waiting', 'offered'];

/** An entry as callers see it; `position` is its place among the slot's live entries (1 = next), null once ended. */
export interface WaitlistEntryView {
  id: string;
  coachId: string;
  memberId: string;
  startsAt: Date;
  duration: number;
  status: WaitlistStatus;
  position: number | null;
  offeredAt: Date | null;
  holdUntil: Date | null;
  endedAt: Date | null;
  bookingId: string | null;
  createdAt: Date;
}

type EntryRow = WaitlistEntryModel & { member: { userId: string } };

async function positionOf(db: DbTx, e: WaitlistEntryModel): Promise<number | null> {
  if (!LIVE.includes(e.status)) return null;
  return db.waitlistEntry.count({ where: { coachId: e.coachId, startsAt: e.startsAt, duration: e.duration, status: { in: LIVE }, seq: { lte: e.seq } } });
}

async function toView(db: DbTx, e: WaitlistEntryModel): Promise<WaitlistEntryView> {
  return {
    id: e.id,
    coachId: e.coachId,
    memberId: e.memberId,
    startsAt: e.startsAt,
    duration: e.duration,
    status: e.status,
    position: await positionOf(db, e),
    offeredAt: e.offeredAt,
    holdUntil: e.holdUntil,
    endedAt: e.endedAt,
    bookingId: e.bookingId,
    createdAt: e.createdAt,
  };
}

export function createWaitlistService(deps: CoreDeps, bookings: BookingsService) {
  const { db, clock, config } = deps;

  /** The entry, if the actor may act on it: its member, or an admin (`see` lets its coach read it too). */
  async function entryFor(actor: Actor, raw: unknown, see = false): Promise<EntryRow> {
    const entryId = parseId(raw, 'entryId');
    const entry = await db.waitlistEntry.findUnique({ where: { id: entryId }, include: { member: { select: { userId: true } } } });
    if (!entry) throw new NotFoundError('Waitlist entry', entryId);
    const mine = actor.userId === entry.member.userId || (see && actor.userId === entry.coachId);
    if (!isAdmin(actor) && !mine) throw new ForbiddenError('not_your_waitlist_entry', 'This waitlist entry is not yours');
    return entry;
  }

  /** Under the coach lock: the entry as committed now. */
  async function locked(tx: DbTx, entry: EntryRow): Promise<EntryRow> {
    await lockCoachCalendar(tx, entry.coachId);
    return tx.waitlistEntry.findUniqueOrThrow({ where: { id: entry.id }, include: { member: { select: { userId: true } } } });
  }

  /** Ends the member's offer or place at their own request; a seat they held goes to the next in line. */
  async function stepOut(actor: Actor, raw: unknown, onlyOffers: boolean): Promise<WaitlistEntryView> {
    requirePermission(actor, 'bookings:write');
    const entry = await entryFor(actor, raw);
    return db.$transaction(async (tx) => {
      const current = await locked(tx, entry);
      const now = clock.now();
      if (current.status === 'offered') {
        await endEntries(tx, [current], 'passed', now, false);
        await offerFreedSeats(tx, config, now, current.coachId, [current]);
      } else if (onlyOffers) {
        throw offerNotLive(current);
      } else if (current.status === 'waiting') {
        await endEntries(tx, [current], 'left', now, false);
      }
      // Leaving an entry that has ended already answers it as it is.
      return toView(tx, await tx.waitlistEntry.findUniqueOrThrow({ where: { id: current.id } }));
    }, COACH_LOCK_TX_OPTIONS);
  }

  return {
    /**
     * Puts a member in line for a full slot: only a slot that is full for them (a free seat is booked,
     * not waited for; a seat of their own is refused), once per member and slot, under the coach lock.
     */
    async join(actor: Actor, raw: JoinWaitlistInput): Promise<WaitlistEntryView> {
      requirePermission(actor, 'bookings:write');
      const input = parseInput(joinWaitlistInput, raw);
      const memberId = input.memberId ?? (await db.memberProfile.findUnique({ where: { userId: actor.userId }, select: { id: true } }))?.id;
      if (!memberId) throw new NotFoundError('Member');
      const [member, coach] = await Promise.all([
        db.memberProfile.findUnique({ where: { id: memberId }, select: { id: true, userId: true, coachId: true, user: { select: { isActive: true } } } }),
        db.user.findUnique({ where: { id: input.coachId }, select: { id: true, role: true, isActive: true, coachProfile: { select: { id: true } } } }),
      ]);
      assertMayBook(
        actor,
        {
          member: member && { id: member.id, userId: member.userId, coachId: member.coachId, isActive: member.user.isActive },
          coach: coach && { id: coach.id, role: coach.role, isActive: coach.isActive, hasProfile: coach.coachProfile !== null },
        },
        { memberId, coachId: input.coachId },
      );
      const entry = await db.$transaction(async (tx) => {
        await lockCoachCalendar(tx, input.coachId);
        const slot = { startsAt: input.startsAt, duration: input.duration };
        const twin = await tx.waitlistEntry.findFirst({ where: { memberId, coachId: input.coachId, ...slot, status: { in: LIVE } } });
        if (twin) throw new ConflictError('already_waitlisted', 'You are in line for this time already', { entryId: twin.id });
        const startsAt = input.startsAt.getTime();
        const calendar = await loadCoachCalendar(tx, input.coachId, instantsAroundInstant(startsAt, input.duration), { memberId });
        if (!calendar) throw new NotFoundError('Coach', input.coachId);
        const decision = decideSlot(calendar, bookingPolicy(config, clock.now()), { startsAt, duration: input.duration });
        if (decision.bookable) throw new ConflictError('slot_not_full', 'This time has a seat free: book it instead');
        if (decision.reason !== 'slot_full') throw unbookableError(decision.reason);
        return tx.waitlistEntry.create({ data: { memberId, coachId: input.coachId, ...slot, createdAt: clock.now() } });
      }, COACH_LOCK_TX_OPTIONS);
      return toView(db, entry);
    },

    /** Entries the actor may see, with their places, a page at a time: a member's own, a coach's slots, everything for an admin. */
    async list(actor: Actor, raw: ListWaitlistInput = {}): Promise<Page<WaitlistEntryView>> {
      const input = parseInput(listWaitlistInput, raw);
      const scope = isAdmin(actor) ? {} : actor.role === 'Coach' ? { coachId: actor.userId } : { member: { userId: actor.userId } };
      const rows = await db.waitlistEntry.findMany({
        where: {
          AND: [scope, { coachId: input.coachId, memberId: input.memberId }, input.scope === 'live' ? { status: { in: LIVE } } : {}],
        },
        // seq is unique: a total order, so pages neither skip nor repeat an entry.
        orderBy: [{ startsAt: 'asc' }, { seq: 'asc' }],
        ...pageArgs(input),
      });
      const page = toPage(rows, input);
      return { items: await Promise.all(page.items.map((r) => toView(db, r))), nextCursor: page.nextCursor };
    },

    async get(actor: Actor, id: string): Promise<WaitlistEntryView> {
      return toView(db, await entryFor(actor, id, true));
    },

    /** Leaves the line (a held seat goes to the next member); leaving again answers the entry as it is. */
    leave: (actor: Actor, id: string) => stepOut(actor, id, false),

    /** Gives up a held seat: it goes to the next member in line. */
    pass: (actor: Actor, id: string) => stepOut(actor, id, true),

    /**
     * Books the seat an offer holds, through the booking path itself (POST /bookings): the held seat
     * is free for its member alone, and the booking ends the offer as claimed in its own statement.
     * The same Idempotency-Key answers the first result again, also once the offer has ended.
     */
    async claim(actor: Actor, id: string, idempotencyKey: string | undefined, source: BookingSource = 'api'): Promise<BookingView> {
      requirePermission(actor, 'bookings:write');
      const key = parseIdempotencyKey(idempotencyKey);
      const entry = await entryFor(actor, id);
      const live = entry.status === 'offered' && entry.holdUntil !== null && entry.holdUntil > clock.now();
      if (!live && !(await findIdempotencyRecord(db, actor.userId, key))) throw offerNotLive(entry);
      return bookings.create(actor, { memberId: entry.memberId, coachId: entry.coachId, startsAt: entry.startsAt, duration: entry.duration }, key, source);
    },

    /** How many members wait (in line or holding a seat) for each slot of a coach in [from, to): key `startsAt ms/duration`. */
    async waitingCounts(actor: Actor, coachId: string, range: { from: Date; to: Date }): Promise<Map<string, number>> {
      const coach = parseId(coachId, 'coachId');
      if (!isAdmin(actor) && actor.userId !== coach) throw new ForbiddenError('not_your_waitlist_entry', "Another coach's waitlist");
      const groups = await db.waitlistEntry.groupBy({
        by: ['startsAt', 'duration'],
        where: { coachId: coach, status: { in: LIVE }, startsAt: { gte: range.from, lt: range.to } },
        _count: { _all: true },
      });
      return new Map(groups.map((g) => [waitKey(g.startsAt, g.duration), g._count._all]));
    },
  };
}

export type WaitlistService = ReturnType<typeof createWaitlistService>;

export function waitKey(startsAt: Date, duration: number): string {
  return `${startsAt.getTime()}/${duration}`;
}

function offerNotLive(e: WaitlistEntryModel): ConflictError {
  const why = e.status === 'waiting' ? 'it is still waiting for a seat' : `the offer has ended (${e.status === 'offered' ? 'expired' : e.status})`;
  return new ConflictError('offer_not_live', `This waitlist entry holds no seat: ${why}`, { entryId: e.id, status: e.status });
}

export interface SettleResult extends OfferCounts {
  expired: number;
}

/**
 * The jobs' tick (docs/design.md §11): from PostgreSQL's deadlines, ends every offer whose hold has
 * run out (each member told once) and offers its seat to the next in line, and closes the line of
 * every slot that came within the minimum notice. One short transaction per coach, under the lock.
 */
export async function settleWaitlist(deps: { db: Db; clock: Clock; config: CoreConfig }): Promise<SettleResult> {
  const { db, clock, config } = deps;
  const now = clock.now();
  const total: SettleResult = { expired: 0, offered: 0, closed: 0 };
  const closing = new Date(now.getTime() + config.bookingMinNoticeMinutes * 60_000);
  const due = await db.waitlistEntry.findMany({
    where: { OR: [{ status: 'offered', holdUntil: { lte: now } }, { status: 'waiting', startsAt: { lte: closing } }] },
    distinct: ['coachId'],
    select: { coachId: true },
  });
  for (const { coachId } of due) {
    await db.$transaction(async (tx) => {
      await lockCoachCalendar(tx, coachId);
      const expiring = await tx.waitlistEntry.findMany({
        where: { coachId, status: 'offered', holdUntil: { lte: now } },
        include: { member: { select: { userId: true } } },
      });
      total.expired += (await endEntries(tx, expiring, 'expired', now, true)).length;
      const closingSlots = await tx.waitlistEntry.findMany({
        where: { coachId, status: 'waiting', startsAt: { lte: closing } },
        distinct: ['startsAt', 'duration'],
        select: { startsAt: true, duration: true },
      });
      const counts = await offerFreedSeats(tx, config, now, coachId, [...expiring, ...closingSlots]);
      total.offered += counts.offered;
      total.closed += counts.closed;
    }, COACH_LOCK_TX_OPTIONS);
  }
  return total;
}

export { closingMoment };
