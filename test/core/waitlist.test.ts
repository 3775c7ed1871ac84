import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CORE_CONFIG } from '../../src/core/index.ts';
import { settleWaitlist } from '../../src/core/waitlist/index.ts';
import { setupCore } from '../helpers/core.ts';
import { coachWorld, failure, HOUR, key, MINUTE, resetCoach, type CoachWorld, type Person } from './bookings.fixtures.ts';

// Issue 29, docs/design.md §11: a freed seat goes to the next member in line, held for them until a
// deadline from PostgreSQL, claimed through the booking path; a held seat is taken for everyone else.

const { db, core, clock } = await setupCore();
const config = DEFAULT_CORE_CONFIG;
const w: CoachWorld = await coachWorld(db, { members: 4, timezone: 'UTC' });

const coachId = () => w.coach.user.id;
const m = (i: number) => w.members[i]!;
/** Tuesday 2030-01-08 10:00 UTC; now is the day before. */
const SLOT = new Date('2030-01-08T10:00:00Z');
const NOW = Date.parse('2030-01-07T09:00:00Z');

async function arrange(seats = 1) {
  clock.set(NOW);
  await db.waitlistEntry.deleteMany({});
  await db.notification.deleteMany({});
  await resetCoach(db, coachId(), [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: seats })));
}

const book = (p: Person, startsAt = SLOT, k = key()) =>
  core.bookings.create(p.actor, { memberId: p.user.memberId!, coachId: coachId(), startsAt, duration: 60 }, k);
const join = (p: Person, startsAt = SLOT) => core.waitlist.join(p.actor, { coachId: coachId(), startsAt });
const entry = (id: string) => db.waitlistEntry.findUniqueOrThrow({ where: { id } });
const notices = (type: string) => db.notification.findMany({ where: { type }, orderBy: { createdAt: 'asc' } });
const tick = () => settleWaitlist({ db, clock, config });
const listed = async () =>
  (await core.availability.listSlots(undefined, { coachId: coachId(), startDate: '2030-01-08', endDate: '2030-01-08', duration: 60 })).some(
    (s) => s.startsAt === SLOT.toISOString(),
  );

beforeEach(() => arrange());

describe('joining the line', () => {
  it('takes a member into the line of a full slot only, once, and never for a seat they hold', async () => {
    expect(await failure(join(m(0)))).toMatchObject({ code: 'slot_not_full', status: 409 });
    await book(m(0));
    expect(await failure(join(m(0)))).toMatchObject({ code: 'already_booked', status: 409 });
    const first = await join(m(1));
    expect(first).toMatchObject({ status: 'waiting', position: 1, memberId: m(1).user.memberId });
    expect(await failure(join(m(1)))).toMatchObject({ code: 'already_waitlisted', status: 409 });
    expect(await join(m(2))).toMatchObject({ position: 2 });
    // A member sees their own entries; the coach sees their slots'; another member's is forbidden.
    expect((await core.waitlist.list(m(2).actor)).items.map((e) => e.position)).toEqual([2]);
    expect((await core.waitlist.list(w.coach.actor)).items).toHaveLength(2);
    // A page at a time, in line order, each entry once.
    const firstPage = await core.waitlist.list(w.coach.actor, { limit: 1 });
    expect([firstPage.items.map((e) => e.position), firstPage.nextCursor]).toEqual([[1], first.id]);
    const secondPage = await core.waitlist.list(w.coach.actor, { limit: 1, cursor: firstPage.nextCursor! });
    expect([secondPage.items.map((e) => e.position), secondPage.nextCursor]).toEqual([[2], null]);
    expect(await failure(core.waitlist.leave(m(2).actor, first.id))).toMatchObject({ code: 'not_your_waitlist_entry', status: 403 });
    // Leaving moves the next one up.
    await core.waitlist.leave(m(1).actor, first.id);
    expect((await core.waitlist.list(m(2).actor)).items[0]).toMatchObject({ position: 1 });
  });

  it('refuses a slot in the past or within the notice, and a malformed request, writing nothing', async () => {
    await book(m(0));
    clock.set(SLOT.getTime() - 30 * MINUTE);
    expect(await failure(join(m(1)))).toMatchObject({ code: 'booking_too_soon', status: 422 });
    expect(await failure(core.waitlist.join(m(1).actor, { coachId: 'nope', startsAt: SLOT }))).toMatchObject({ code: 'validation_failed' });
    expect(await db.waitlistEntry.count()).toBe(0);
  });
});

describe('an offer', () => {
  it('holds a freed seat for the first in line: full for everyone else, booked by a claim, told once', async () => {
    const taken = await book(m(0));
    const first = await join(m(1));
    const second = await join(m(2));
    await core.bookings.cancel(m(0).actor, taken.id);
    expect(await entry(first.id)).toMatchObject({ status: 'offered', holdUntil: new Date(NOW + config.waitlistClaimMinutes * MINUTE) });
    expect(await entry(second.id)).toMatchObject({ status: 'waiting' });
    expect((await notices('waitlist.offered')).map((n) => n.userId)).toEqual([m(1).user.id]);
    // Held: listings show the slot full, a booking by anyone else is slot_full, also the member who cancelled.
    expect(await listed()).toBe(false);
    expect(await failure(book(m(3)))).toMatchObject({ code: 'slot_full', status: 409 });
    expect(await failure(book(m(0)))).toMatchObject({ code: 'slot_full' });
    // Claimed with one key, answered again with it; the entry is claimed with the booking.
    const k = key();
    const booking = await core.waitlist.claim(m(1).actor, first.id, k);
    expect(booking.status).toBe('confirmed');
    expect((await core.waitlist.claim(m(1).actor, first.id, k)).id).toBe(booking.id);
    expect(await entry(first.id)).toMatchObject({ status: 'claimed', bookingId: booking.id });
    expect(await failure(core.waitlist.claim(m(1).actor, first.id, key()))).toMatchObject({ code: 'offer_not_live', status: 409 });
    expect(await db.session.count({ where: { coachId: coachId(), scheduledAt: SLOT, status: 'scheduled' } })).toBe(1);
    // The second still waits; nobody was told twice.
    expect(await entry(second.id)).toMatchObject({ status: 'waiting' });
    expect(await notices('waitlist.offered')).toHaveLength(1);
  });

  it('is made for each seat a series frees when its member cancels this and all later ones', async () => {
    const series = await core.bookingSeries.create(m(0).actor, { coachId: coachId(), startsAt: SLOT, count: 3 }, key());
    expect(series.booked).toBe(3);
    const week2 = new Date(SLOT.getTime() + 7 * 24 * HOUR);
    const week3 = new Date(SLOT.getTime() + 14 * 24 * HOUR);
    const second = await join(m(1), week2);
    const third = await join(m(2), week3);
    await core.bookingSeries.cancel(m(0).actor, series.id, { position: 2, scope: 'thisAndLater' });
    expect(await entry(second.id)).toMatchObject({ status: 'offered' });
    expect(await entry(third.id)).toMatchObject({ status: 'offered' });
    expect((await notices('waitlist.offered')).map((n) => n.userId).sort()).toEqual([m(1).user.id, m(2).user.id].sort());
  });

  it('moves to the next in line on a pass, and a waiting entry cannot claim or pass', async () => {
    const taken = await book(m(0));
    const first = await join(m(1));
    const second = await join(m(2));
    expect(await failure(core.waitlist.claim(m(2).actor, second.id, key()))).toMatchObject({ code: 'offer_not_live' });
    await core.bookings.cancel(m(0).actor, taken.id);
    expect(await failure(core.waitlist.pass(m(2).actor, second.id))).toMatchObject({ code: 'offer_not_live' });
    expect(await core.waitlist.pass(m(1).actor, first.id)).toMatchObject({ status: 'passed', position: null });
    expect(await entry(second.id)).toMatchObject({ status: 'offered' });
    await core.waitlist.pass(m(2).actor, second.id);
    // Nobody left in line: the seat is free for anyone.
    expect(await listed()).toBe(true);
    expect((await book(m(3))).status).toBe('confirmed');
  });

  it('expires at its PostgreSQL deadline, found by the tick: the member told once, the seat offered on', async () => {
    const taken = await book(m(0));
    const first = await join(m(1));
    const second = await join(m(2));
    await core.bookings.cancel(m(0).actor, taken.id);
    clock.set(NOW + config.waitlistClaimMinutes * MINUTE - 1);
    expect(await tick()).toMatchObject({ expired: 0 });
    clock.set(NOW + config.waitlistClaimMinutes * MINUTE);
    expect(await tick()).toMatchObject({ expired: 1, offered: 1 });
    expect(await tick()).toMatchObject({ expired: 0, offered: 0 });
    expect(await entry(first.id)).toMatchObject({ status: 'expired' });
    expect(await entry(second.id)).toMatchObject({ status: 'offered' });
    expect(await failure(core.waitlist.claim(m(1).actor, first.id, key()))).toMatchObject({ code: 'offer_not_live' });
    const ended = await notices('waitlist.ended');
    expect(ended.map((n) => [n.userId, (n.payload as { outcome: string }).outcome])).toEqual([[m(1).user.id, 'expired']]);
  });

  it('never holds past the minimum-notice moment, and the line closes then, each member told once', async () => {
    const taken = await book(m(0));
    const first = await join(m(1));
    const second = await join(m(2));
    const closing = SLOT.getTime() - config.bookingMinNoticeMinutes * MINUTE;
    clock.set(closing - 5 * MINUTE);
    await core.bookings.cancel(m(0).actor, taken.id);
    expect(await entry(first.id)).toMatchObject({ status: 'offered', holdUntil: new Date(closing) });
    clock.set(closing);
    expect(await tick()).toMatchObject({ expired: 1, closed: 1, offered: 0 });
    await tick();
    expect(await entry(second.id)).toMatchObject({ status: 'closed' });
    const ended = await notices('waitlist.ended');
    expect(ended.map((n) => (n.payload as { outcome: string }).outcome).sort()).toEqual(['closed', 'expired']);
  });

  it('is made when a session moves away and when the coach raises the seats per slot', async () => {
    await book(m(0));
    const first = await join(m(1));
    const second = await join(m(2));
    const session = await db.session.findFirstOrThrow({ where: { memberId: m(0).user.memberId!, status: 'scheduled' } });
    await core.sessions.reschedule(m(0).actor, session.id, { scheduledAt: new Date(SLOT.getTime() + 2 * HOUR) });
    expect(await entry(first.id)).toMatchObject({ status: 'offered' });
    const windows = await db.coachAvailability.findMany({ where: { coachId: coachId(), dayOfWeek: 2 } });
    await core.availability.update(w.coach.actor, windows[0]!.id, { maxSessionsPerSlot: 2 });
    expect(await entry(second.id)).toMatchObject({ status: 'offered' });
  });

  it('a member who books the slot directly while waiting leaves the line', async () => {
    const taken = await book(m(0));
    const first = await join(m(1));
    const windows = await db.coachAvailability.findMany({ where: { coachId: coachId(), dayOfWeek: 2 } });
    await db.coachAvailability.update({ where: { id: windows[0]!.id }, data: { maxSessionsPerSlot: 2 } }); // behind the service's back
    await book(m(1));
    expect(await entry(first.id)).toMatchObject({ status: 'left' });
    expect(taken.status).toBe('confirmed');
  });
});

describe('a seat given by hand', () => {
  it('a session the coach makes for the member an offer is held for ends the offer, so the slot is never counted twice', async () => {
    const taken = await book(m(0));
    const first = await join(m(1));
    await core.bookings.cancel(m(0).actor, taken.id);
    expect(await entry(first.id)).toMatchObject({ status: 'offered' });
    await core.sessions.create(w.coach.actor, { memberId: m(1).user.memberId!, coachId: coachId(), scheduledAt: SLOT, duration: 60, type: 'regular' });
    expect(await entry(first.id)).toMatchObject({ status: 'claimed' });
    const held = await db.waitlistEntry.count({ where: { coachId: coachId(), status: 'offered' } });
    const seated = await db.session.count({ where: { coachId: coachId(), scheduledAt: SLOT, status: 'scheduled' } });
    expect(held + seated).toBe(1);
  });
});
