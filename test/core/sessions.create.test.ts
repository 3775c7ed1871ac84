import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COACHING_SESSION_CATEGORY } from '../../src/core/calendar/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, SLOT_FULL_MESSAGE, UnprocessableError, ValidationError } from '../../src/core/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { clearCoach, setWindows } from './bookings.fixtures.ts';
import { DAY, HOUR, MINUTE, failure, party, snapshot, world, type Party } from './sessions.fixtures.ts';

const ctx = await setupCore();
const { db, core, clock } = ctx;
let w: Awaited<ReturnType<typeof world>>;

/** Every day, all day, plenty of seats, no buffer: any on-the-hour time is bookable. */
const OPEN_WEEK = [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: 100, bufferMinutes: 0 }));
/** One seat per slot. */
const SINGLE_SEATS = OPEN_WEEK.map((d) => ({ ...d, maxSessionsPerSlot: 1 }));

beforeAll(async () => {
  w = await world(db);
  await setWindows(db, w.coach.user.id, OPEN_WEEK);
  await setWindows(db, w.otherCoach.user.id, OPEN_WEEK);
});

const typeArb = fc.constantFrom('initial', 'regular', 'followup') as fc.Arbitrary<'initial' | 'regular' | 'followup'>;
/** Whole hours from 2 h to 80 days after the epoch: past the minimum notice, inside the horizon. */
const hourArb = fc.integer({ min: 2, max: 80 * 24 });
const at = (hours: number) => new Date(TEST_EPOCH.getTime() + hours * HOUR);
/** The first start on a `duration`-minute grid from midnight (the windows' grid) at or after `hours`. */
const onGrid = (hours: number, duration: number) => new Date(Math.ceil(at(hours).getTime() / (duration * MINUTE)) * duration * MINUTE);

function createAs(by: Party, member: Party, coach: Party, hours: number, extra: Record<string, unknown> = {}) {
  return core.sessions.create(by.actor, {
    memberId: member.user.memberId as string,
    coachId: coach.user.id,
    scheduledAt: at(hours),
    duration: 60,
    type: 'regular',
    ...extra,
  });
}

describe('creating a session', () => {
  // Feature: coaching-platform, Property 17: Session Calendar Integration
  it('Property 17: for any session created, a calendar event is created with the coach as creator, the member as attendee, category "Coaching Session"', async () => {
    clock.set(TEST_EPOCH);
    await fc.assert(
      fc.asyncProperty(hourArb, typeArb, fc.constantFrom(30, 60, 120), fc.boolean(), async (hours, type, duration, byAdmin) => {
        await clearCoach(db, w.coach.user.id);
        const scheduledAt = onGrid(hours, duration);
        const session = await core.sessions.create(byAdmin ? w.admin.actor : w.coach.actor, {
          memberId: w.member.user.memberId as string,
          coachId: w.coach.user.id,
          scheduledAt,
          duration,
          type,
        });
        const event = await db.calendarEvent.findUniqueOrThrow({ where: { id: session.calendarEventId }, include: { attendees: true } });
        expect(event.category).toBe(COACHING_SESSION_CATEGORY);
        expect(event.creatorId).toBe(w.coach.user.id);
        expect(event.attendees.map((a) => a.userId)).toEqual([w.member.user.id]);
        expect(event.startsAt.getTime()).toBe(scheduledAt.getTime());
        expect(event.endsAt.getTime()).toBe(scheduledAt.getTime() + duration * MINUTE);
        expect(event.status).toBe('confirmed');
        expect(session).toMatchObject({ status: 'scheduled', type, duration, coachId: w.coach.user.id, memberId: w.member.user.memberId });
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 18: Session Creation Notifications
  it('Property 18: for any session created, notifications are sent to both the coach and the member', async () => {
    clock.set(TEST_EPOCH);
    await fc.assert(
      fc.asyncProperty(hourArb, fc.boolean(), async (hours, byAdmin) => {
        // A member holds one seat of a slot: start each run with no sessions.
        await clearCoach(db, w.otherCoach.user.id);
        const session = await createAs(byAdmin ? w.admin : w.otherCoach, w.otherMember, w.otherCoach, hours);
        const sent = await db.notification.findMany({ where: { type: 'session.created', payload: { path: ['sessionId'], equals: session.id } } });
        // The coach who created it has the answer; an admin is not a party, so both are told.
        expect(sent.map((n) => n.userId).sort()).toEqual(byAdmin ? [w.otherCoach.user.id, w.otherMember.user.id].sort() : [w.otherMember.user.id]);
        const reminders = await db.notification.count({ where: { type: 'session.reminder', payload: { path: ['sessionId'], equals: session.id } } });
        expect(reminders, 'reminders are derived when due, not written at creation').toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 46: Session Group Conversation Creation
  it('Property 46: for any session created with the group conversation flag, a group conversation has the coach and member as participants', async () => {
    clock.set(TEST_EPOCH);
    await fc.assert(
      fc.asyncProperty(hourArb, fc.option(fc.boolean(), { nil: undefined }), async (hours, flag) => {
        await clearCoach(db, w.coach.user.id);
        const extra = flag === undefined ? {} : { createGroupConversation: flag };
        const session = await createAs(w.coach, w.member, w.coach, hours, extra);
        const conversation = await db.conversation.findUnique({ where: { sessionId: session.id }, include: { participants: true } });
        if (flag !== true) {
          expect(conversation).toBeNull();
          expect(session.groupConversationId).toBeNull();
          return;
        }
        expect(conversation?.type).toBe('group');
        expect(conversation?.participants.map((p) => p.userId).sort()).toEqual([w.coach.user.id, w.member.user.id].sort());
        expect(session.groupConversationId).toBe(conversation?.id);
        // Both participants find it among their conversations.
        for (const p of [w.coach, w.member]) {
          const mine = await core.conversations.list(p.actor, { type: 'group', limit: 100 });
          expect(mine.items.some((c) => c.id === conversation?.id)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 58: Session Creation User Validation
  it('Property 58: for any session creation request, both coach and member users must exist and be active before the session is created', async () => {
    clock.set(TEST_EPOCH);
    const inactiveMember = await party(db, 'Member', { coachId: w.coach.user.id });
    const inactiveCoach = await party(db, 'Coach');
    const memberOfInactive = await party(db, 'Member', { coachId: inactiveCoach.user.id });
    await setWindows(db, inactiveCoach.user.id, OPEN_WEEK);
    await db.user.updateMany({ where: { id: { in: [inactiveMember.user.id, inactiveCoach.user.id] } }, data: { isActive: false } });
    const missing = '00000000-0000-4000-8000-000000000000';
    const memberArb = fc.constantFrom('active', 'inactive', 'missing');
    const coachArb = fc.constantFrom('active', 'inactive', 'missing', 'not_a_coach');
    await fc.assert(
      fc.asyncProperty(memberArb, coachArb, hourArb, async (m, c, hours) => {
        const coachId = { active: w.coach.user.id, inactive: inactiveCoach.user.id, missing, not_a_coach: w.admin.user.id }[c];
        const memberId = { active: w.member.user.memberId, inactive: inactiveMember.user.memberId, missing }[m] as string;
        await clearCoach(db, w.coach.user.id);
        const before = await db.session.count();
        const call = () => core.sessions.create(w.admin.actor, { memberId, coachId, scheduledAt: at(hours), duration: 60, type: 'regular' });
        if (m === 'missing' || c === 'missing' || c === 'not_a_coach') {
          const error = await failure(call);
          expect(error).toBeInstanceOf(NotFoundError);
          expect(error.code).toBe(m === 'missing' ? 'member_not_found' : 'coach_not_found');
        } else if (m === 'inactive' || c === 'inactive') {
          const error = await failure(call);
          expect(error).toBeInstanceOf(UnprocessableError);
          expect(error.code).toBe(m === 'inactive' ? 'member_inactive' : 'coach_inactive');
        } else {
          expect((await call()).status).toBe('scheduled');
          return;
        }
        expect(await db.session.count()).toBe(before);
      }),
      { numRuns: 100 },
    );
    expect(memberOfInactive.user.memberId).toBeDefined();
  });

  it('lets a coach create only for their own members, and a member not at all', async () => {
    clock.set(TEST_EPOCH);
    const before = await db.session.count();
    const notMine = await failure(() => createAs(w.coach, w.otherMember, w.otherCoach, 5));
    expect(notMine).toBeInstanceOf(ForbiddenError);
    expect(notMine.code).toBe('not_your_member');
    expect(await failure(() => createAs(w.coach, w.otherMember, w.coach, 5))).toBeInstanceOf(ForbiddenError);
    const member = await failure(() => createAs(w.member, w.member, w.coach, 5));
    expect(member).toBeInstanceOf(ForbiddenError);
    expect(member.code).toBe('missing_permission');
    expect(await db.session.count()).toBe(before);
  });

  it('answers a retried request with the same idempotency key with the first session', async () => {
    clock.set(TEST_EPOCH);
    const key = `retry-${Date.now()}`;
    const input = { memberId: w.member.user.memberId as string, coachId: w.coach.user.id, scheduledAt: at(40), duration: 60, type: 'regular' as const };
    const results = await Promise.all([0, 1, 2].map(() => core.sessions.create(w.coach.actor, input, key)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await db.session.count({ where: { id: results[0]?.id } })).toBe(1);
    const reused = await failure(() => core.sessions.create(w.coach.actor, { ...input, scheduledAt: at(41) }, key));
    expect(reused).toBeInstanceOf(UnprocessableError);
    expect(reused.code).toBe('idempotency_key_reused');
  });
});

describe('the booking rule applies to sessions made and moved by hand', () => {
  let coach: Party;
  let members: Party[];

  beforeAll(async () => {
    coach = await party(db, 'Coach');
    members = [];
    for (let i = 0; i < 3; i++) members.push(await party(db, 'Member', { coachId: coach.user.id }));
    await setWindows(db, coach.user.id, SINGLE_SEATS);
  });

  beforeEach(async () => {
    clock.set(TEST_EPOCH);
    await clearCoach(db, coach.user.id);
    await setWindows(db, coach.user.id, SINGLE_SEATS);
  });

  it('refuses a full slot with the booking message, frees the seat on cancel, and shares seats with bookings', async () => {
    const [a, b] = members as [Party, Party];
    const first = await createAs(coach, a, coach, 24);
    const full = await failure(() => createAs(coach, b, coach, 24));
    expect(full).toBeInstanceOf(ConflictError);
    expect(full.code).toBe('slot_full');
    expect(full.message).toBe(SLOT_FULL_MESSAGE);
    await core.sessions.cancel(coach.actor, first.id, { reason: 'moved away' });
    expect((await createAs(coach, b, coach, 24)).status).toBe('scheduled');

    // A member's booking holds the seat of its slot for hand-made sessions too.
    const slot = at(48);
    await core.bookings.create(a.actor, { memberId: a.user.memberId as string, coachId: coach.user.id, requestedDate: slot.toISOString().slice(0, 10), requestedTime: slot.toISOString().slice(11, 16), duration: 60 }, `book-${slot.getTime()}`);
    expect((await failure(() => createAs(coach, b, coach, 48))).code).toBe('slot_full');
  });

  it('refuses times outside availability, in the past, too soon, beyond the horizon or off the slot grid', async () => {
    // Half an hour before a 10:00 slot: inside the hour of minimum notice.
    clock.set(new Date('2030-01-07T09:30:00Z'));
    await clearCoach(db, coach.user.id);
    await setWindows(db, coach.user.id, [{ dayOfWeek: 1, startTime: '10:00', endTime: '12:00', maxSessionsPerSlot: 1, bufferMinutes: 0 }]);
    const m = members[0] as Party;
    const monday10 = new Date('2030-01-14T10:00:00Z');
    const cases: [Date, string][] = [
      [new Date('2030-01-14T13:00:00Z'), 'outside_availability'],
      [new Date('2030-01-14T10:30:00Z'), 'outside_availability'],
      [new Date('2030-01-14T10:00:30Z'), 'outside_availability'],
      [new Date('2030-01-07T10:00:00Z'), 'booking_too_soon'],
      [new Date('2029-12-31T10:00:00Z'), 'booking_too_soon'],
      [new Date('2031-01-06T10:00:00Z'), 'booking_too_far_ahead'],
    ];
    for (const [scheduledAt, code] of cases) {
      const error = await failure(() => core.sessions.create(coach.actor, { memberId: m.user.memberId as string, coachId: coach.user.id, scheduledAt, duration: 60, type: 'regular' }));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect(error.code).toBe(code);
    }
    expect(await db.session.count({ where: { coachId: coach.user.id } })).toBe(0);
    const ok = await core.sessions.create(coach.actor, { memberId: m.user.memberId as string, coachId: coach.user.id, scheduledAt: monday10, duration: 60, type: 'regular' });
    expect(ok.scheduledAt.getTime()).toBe(monday10.getTime());
  });

  it('reschedules past its own seat (excluded from the check) but not into a taken one, in one transaction', async () => {
    const [a, b] = members as [Party, Party];
    const s = await createAs(coach, a, coach, 10);
    await createAs(coach, b, coach, 12);
    const taken = await failure(() => core.sessions.reschedule(coach.actor, s.id, { scheduledAt: at(12) }));
    expect(taken.code).toBe('slot_full');
    const before = await snapshot(db, s.id);
    expect(before.session.scheduledAt.getTime()).toBe(at(10).getTime());
    // 10:30 for 30 minutes overlaps only the session's own old time: allowed.
    const moved = await core.sessions.reschedule(a.actor, s.id, { scheduledAt: new Date(at(10).getTime() + 30 * MINUTE), duration: 30 });
    expect(moved.duration).toBe(30);
    // A new length is checked like a booking too: 19:30 + 90 min ends as the 21:00 session starts
    // (no buffer), 19:30 + 130 min runs into it.
    const longer = await core.sessions.update(coach.actor, s.id, { duration: 90 });
    expect(longer.duration).toBe(90);
    expect((await failure(() => core.sessions.update(coach.actor, s.id, { duration: 130 }))).code).toBe('slot_unavailable');
    expect((await db.session.findUniqueOrThrow({ where: { id: s.id } })).duration).toBe(90);
  });

  it("moves a booked session's booking with it", async () => {
    const m = members[2] as Party;
    const slot = at(72);
    const booking = await core.bookings.create(m.actor, { memberId: m.user.memberId as string, coachId: coach.user.id, requestedDate: slot.toISOString().slice(0, 10), requestedTime: slot.toISOString().slice(11, 16), duration: 60 }, `b-${slot.getTime()}`);
    const moved = await core.sessions.reschedule(m.actor, booking.sessionId as string, { scheduledAt: at(75) });
    const after = await core.bookings.get(m.actor, booking.id);
    expect(after.slotStartsAt.getTime()).toBe(moved.scheduledAt.getTime());
    expect(after.requestedTime).toBe(at(75).toISOString().slice(11, 16));
    // The old seat is free again for someone else.
    expect((await createAs(coach, members[0] as Party, coach, 72)).status).toBe('scheduled');
  });
});

describe('rescheduling', () => {
  // Feature: coaching-platform, Property 57: Session Time Update Calendar Sync
  it('Property 57: for any session with updated scheduledAt time, the linked calendar event is updated to the new time', async () => {
    clock.set(TEST_EPOCH);
    await fc.assert(
      fc.asyncProperty(hourArb, hourArb, fc.constantFrom(undefined, 60, 120), fc.boolean(), async (from, to, duration, byMember) => {
        await clearCoach(db, w.coach.user.id);
        const session = await createAs(w.coach, w.member, w.coach, from);
        const eventBefore = await db.calendarEvent.findUniqueOrThrow({ where: { id: session.calendarEventId } });
        const length = duration ?? 60;
        const target = onGrid(to, length);
        const moved = await core.sessions.reschedule(byMember ? w.member.actor : w.coach.actor, session.id, { scheduledAt: target, duration });
        const event = await db.calendarEvent.findUniqueOrThrow({ where: { id: session.calendarEventId } });
        expect(moved.scheduledAt.getTime()).toBe(target.getTime());
        expect(event.startsAt.getTime()).toBe(target.getTime());
        expect(event.endsAt.getTime()).toBe(target.getTime() + length * MINUTE);
        expect(event.icalUid).toBe(eventBefore.icalUid);
        const changed = target.getTime() !== at(from).getTime() || length !== 60;
        expect(event.sequence).toBe(eventBefore.sequence + (changed ? 1 : 0));
        const told = await db.notification.findMany({ where: { type: 'session.rescheduled', payload: { path: ['sessionId'], equals: session.id } } });
        // The other party is told, with the time it left (what showed that time is redrawn too).
        expect(told.map((n) => n.userId)).toEqual(changed ? [byMember ? w.coach.user.id : w.member.user.id] : []);
        for (const n of told) expect(n.payload).toMatchObject({ previous: { scheduledAt: at(from).toISOString(), duration: 60 } });
        // Reminders follow the session's current time by themselves; rescheduledAt marks which are passed.
        const row = await db.session.findUniqueOrThrow({ where: { id: session.id } });
        expect(row.rescheduledAt?.getTime() ?? null).toBe(changed ? clock.now().getTime() : null);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses to reschedule a session that is not scheduled, or by someone not party to it', async () => {
    clock.set(TEST_EPOCH);
    const s = await createAs(w.coach, w.member, w.coach, 300);
    expect(await failure(() => core.sessions.reschedule(w.otherCoach.actor, s.id, { scheduledAt: at(301) }))).toBeInstanceOf(ForbiddenError);
    expect(await failure(() => core.sessions.reschedule(w.otherMember.actor, s.id, { scheduledAt: at(301) }))).toBeInstanceOf(ForbiddenError);
    await core.sessions.cancel(w.coach.actor, s.id);
    const error = await failure(() => core.sessions.reschedule(w.coach.actor, s.id, { scheduledAt: at(301) }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('invalid_state');
    clock.set(TEST_EPOCH.getTime() + DAY);
  });
});
