import type { DbTx, WaitlistEntryModel } from '../../db/client.ts';
// The modules themselves, not their index: the availability service imports this file.
import { instantsAroundInstant, loadCoachCalendar } from '../availability/calendar.ts';
import { bookingPolicy, decideSlot } from '../availability/rules.ts';
import type { CoreConfig } from '../deps.ts';
import { writeNotifications, type OutboxEntry } from '../notifications/outbox.ts';

// The waitlist's writes (docs/design.md §11). Callers own the transaction and hold the coach lock:
// a seat that frees (a cancellation, a reschedule away, more seats per slot) is offered to the next
// member in line in the same transaction as the change that freed it, so the freed seat is never
// bookable by someone else in between.

/** A slot of a coach as a waitlist names it: its start instant and length. */
export interface WaitlistSlot {
  startsAt: Date;
  duration: number;
}

/** How an offer, or a place in line, ended. */
export type WaitlistEnding = 'claimed' | 'passed' | 'expired' | 'closed' | 'left';

export interface OfferCounts {
  offered: number;
  closed: number;
}

const MINUTE_MS = 60_000;

/**
 * When an offer made at `now` stops holding its seat: WAITLIST_CLAIM_MINUTES later, but never past
 * the slot's minimum-notice moment (after which the seat could not be booked anyway).
 */
export function holdDeadline(config: CoreConfig, now: Date, startsAt: Date): Date {
  return new Date(Math.min(now.getTime() + config.waitlistClaimMinutes * MINUTE_MS, startsAt.getTime() - config.bookingMinNoticeMinutes * MINUTE_MS));
}

/** The moment a slot comes within the minimum notice: its waitlist closes then. */
export function closingMoment(config: CoreConfig, startsAt: Date): Date {
  return new Date(startsAt.getTime() - config.bookingMinNoticeMinutes * MINUTE_MS);
}

type EntryWithUser = WaitlistEntryModel & { member: { userId: string } };

function slotPayload(e: WaitlistEntryModel) {
  return { entryId: e.id, coachId: e.coachId, startsAt: e.startsAt.toISOString(), duration: e.duration };
}

/** The one notice of an ended offer or place in line (`waitlist.ended:<entry>`): a repeated cause writes nothing. */
export function endedNotice(e: EntryWithUser, outcome: WaitlistEnding): OutboxEntry {
  return { userId: e.member.userId, type: 'waitlist.ended', payload: { ...slotPayload(e), outcome }, dedupeKey: `waitlist.ended:${e.id}` };
}

/**
 * Ends entries that are still live (waiting or offered) as `outcome`, conditionally, so that an entry
 * ends exactly once; `notify` says whether their members are told (not when they acted themselves).
 * Answers the entries this call ended.
 */
export async function endEntries(tx: DbTx, entries: readonly EntryWithUser[], outcome: WaitlistEnding, now: Date, notify: boolean): Promise<EntryWithUser[]> {
  const ended: EntryWithUser[] = [];
  for (const e of entries) {
    const { count } = await tx.waitlistEntry.updateMany({
      where: { id: e.id, status: e.status },
      data: { status: outcome, endedAt: now },
    });
    if (count === 1) ended.push(e);
  }
  if (notify) await writeNotifications(tx, ended.map((e) => endedNotice(e, outcome)));
  return ended;
}

/**
 * Offers each free seat of these slots to the next member in line (join order), holding it for them
 * until holdDeadline; closes the line of a slot that came within the minimum notice or left the
 * schedule. Run under the coach lock, in the transaction of the change that freed the seats.
 */
export async function offerFreedSeats(tx: DbTx, config: CoreConfig, now: Date, coachId: string, slots: readonly WaitlistSlot[]): Promise<OfferCounts> {
  const counts: OfferCounts = { offered: 0, closed: 0 };
  const seen = new Set<string>();
  for (const slot of slots) {
    const key = `${slot.startsAt.getTime()}/${slot.duration}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const waiting: EntryWithUser[] = await tx.waitlistEntry.findMany({
      where: { coachId, startsAt: slot.startsAt, duration: slot.duration, status: 'waiting' },
      orderBy: { seq: 'asc' },
      include: { member: { select: { userId: true } } },
    });
    if (waiting.length === 0) continue;
    const startsAt = slot.startsAt.getTime();
    const calendar = await loadCoachCalendar(tx, coachId, instantsAroundInstant(startsAt, slot.duration));
    const decision = calendar ? decideSlot(calendar, bookingPolicy(config, now), { startsAt, duration: slot.duration }) : null;
    const holdUntil = holdDeadline(config, now, slot.startsAt);
    const closed = !decision || holdUntil <= now || (!decision.bookable && (decision.reason === 'too_soon' || decision.reason === 'outside_availability'));
    if (closed) {
      // The slot is within the minimum notice (no time left to claim a seat) or left the schedule:
      // everyone still in line is told once.
      counts.closed += (await endEntries(tx, waiting, 'closed', now, true)).length;
      continue;
    }
    if (!decision.bookable) continue;
    // A member who holds a seat of the slot already (a session made for them by hand) is out of line.
    const seated = new Set(
      (await tx.session.findMany({
        where: { coachId, scheduledAt: slot.startsAt, duration: slot.duration, status: { not: 'cancelled' } },
        select: { memberId: true },
      })).map((s) => s.memberId),
    );
    await endEntries(tx, waiting.filter((e) => seated.has(e.memberId)), 'left', now, false);
    const next = waiting.filter((e) => !seated.has(e.memberId)).slice(0, decision.availableCapacity);
    const offered: EntryWithUser[] = [];
    for (const e of next) {
      const { count } = await tx.waitlistEntry.updateMany({
        where: { id: e.id, status: 'waiting' },
        data: { status: 'offered', offeredAt: now, holdUntil },
      });
      if (count === 1) offered.push(e);
    }
    await writeNotifications(
      tx,
      offered.map((e) => ({
        userId: e.member.userId,
        type: 'waitlist.offered' as const,
        payload: { ...slotPayload(e), holdUntil: holdUntil.toISOString() },
        dedupeKey: `waitlist.offered:${e.id}`,
      })),
    );
    counts.offered += offered.length;
  }
  return counts;
}

/**
 * A member given a seat of a slot other than by a booking (a session made or moved there by hand)
 * leaves its line: an offer held for them is claimed by that seat, a place still waiting is left.
 * The booking path does the same in its own statement (bookings/writes.ts).
 */
export async function seatTakenByMember(tx: DbTx, memberId: string, coachId: string, slot: WaitlistSlot, now: Date): Promise<void> {
  const where = { memberId, coachId, startsAt: slot.startsAt, duration: slot.duration };
  await tx.waitlistEntry.updateMany({ where: { ...where, status: 'offered' }, data: { status: 'claimed', endedAt: now } });
  await tx.waitlistEntry.updateMany({ where: { ...where, status: 'waiting' }, data: { status: 'left', endedAt: now } });
}

/** The slots of a coach where someone waits, from `now` on: what a change of seats per slot may free. */
export async function waitedSlots(tx: DbTx, coachId: string, now: Date): Promise<WaitlistSlot[]> {
  return tx.waitlistEntry.findMany({
    where: { coachId, status: 'waiting', startsAt: { gt: now } },
    distinct: ['startsAt', 'duration'],
    select: { startsAt: true, duration: true },
  });
}
