import { beforeAll, describe, expect, it } from 'vitest';
import { setupCore } from '../helpers/core.ts';
import { coachWorld, counts, failure, key, resetCoach, type CoachWorld, type WindowRow } from './bookings.fixtures.ts';

// Issue 15 §1: booking, POST /sessions, rescheduling and the stranded-session checks of availability
// edits and time-zone changes use the real-time rule that listing uses. New York, 2027: on Sunday
// 03-14 clocks skip 02:00-03:00 (EST -05:00 -> EDT -04:00); on Sunday 11-07 they repeat 01:00-02:00.

const { db, core, clock } = await setupCore();
let w: CoachWorld;

beforeAll(async () => {
  w = await coachWorld(db, { members: 2, timezone: 'America/New_York' });
});

const coachId = () => w.coach.user.id;
const member = (i: number) => w.members[i]!;

async function arrange(windows: WindowRow[], now: string, timezone = 'America/New_York') {
  clock.set(Date.parse(now));
  await resetCoach(db, coachId(), windows);
  await db.coachProfile.update({ where: { userId: coachId() }, data: { timezone } });
}
const sunday = (startTime: string, endTime: string): WindowRow => ({ dayOfWeek: 0, startTime, endTime, maxSessionsPerSlot: 3 });
const createSession = (scheduledAt: string, duration = 60) =>
  core.sessions.create(w.coach.actor, { memberId: member(0).user.memberId!, coachId: coachId(), scheduledAt: new Date(scheduledAt), duration, type: 'regular' });

describe('booking and sessions by instant', () => {
  it('books the repeated hour of a fall-back night by startsAt, and a date and time means its first occurrence', async () => {
    await arrange([sunday('01:00', '03:00')], '2027-11-01T00:00:00Z');
    const second = await core.bookings.create(member(0).actor, { memberId: member(0).user.memberId!, coachId: coachId(), startsAt: new Date('2027-11-07T06:00:00Z') }, key());
    expect(second).toMatchObject({ status: 'confirmed', requestedDate: '2027-11-07', requestedTime: '01:00' });
    expect(second.slotStartsAt.toISOString()).toBe('2027-11-07T06:00:00.000Z');
    const first = await core.bookings.create(member(1).actor, { memberId: member(1).user.memberId!, coachId: coachId(), requestedDate: '2027-11-07', requestedTime: '01:00' }, key());
    expect(first.slotStartsAt.toISOString()).toBe('2027-11-07T05:00:00.000Z');
    // They are two slots: the second has one seat taken, the first one.
    const slots = await core.availability.listSlots(undefined, { coachId: coachId(), startDate: '2027-11-07', endDate: '2027-11-07' });
    expect(slots.map((s) => `${s.time}${s.offset} ${s.availableCapacity}`)).toEqual(['01:00-04:00 2', '01:00-05:00 2', '02:00-05:00 3']);
  });

  it('refuses a local time the clocks skip with 422 nonexistent_time, writing nothing', async () => {
    await arrange([sunday('00:00', '04:00')], '2027-03-01T00:00:00Z');
    const before = await counts(db);
    const error = await failure(core.bookings.create(member(0).actor, { memberId: member(0).user.memberId!, coachId: coachId(), requestedDate: '2027-03-14', requestedTime: '02:00' }, key()));
    expect(error).toMatchObject({ code: 'nonexistent_time', status: 422 });
    // Only the refusal's key row, so that a retry gets the same answer.
    expect(await counts(db)).toEqual({ ...before, keys: before.keys + 1 });
  });

  it('spring forward, window 00:00-02:00: books the 01:00 hour that ends at the jump, by booking and by POST /sessions', async () => {
    await arrange([sunday('00:00', '02:00')], '2027-03-01T00:00:00Z');
    const booked = await core.bookings.create(member(1).actor, { memberId: member(1).user.memberId!, coachId: coachId(), requestedDate: '2027-03-14', requestedTime: '01:00' }, key());
    expect(booked.slotStartsAt.toISOString()).toBe('2027-03-14T06:00:00.000Z');
    expect((await createSession('2027-03-14T06:00:00Z')).status).toBe('scheduled');
  });

  it('creates and reschedules sessions into the repeated hour, and refuses instants off the real-time grid', async () => {
    await arrange([sunday('00:00', '03:00')], '2027-11-01T00:00:00Z');
    // The window covers 04:00Z-08:00Z: four real hours. 45-minute slots start 04:00, 04:45, 05:30, 06:15, 07:00 (UTC).
    const s = await createSession('2027-11-07T06:15:00Z', 45);
    expect(s.scheduledAt.toISOString()).toBe('2027-11-07T06:15:00.000Z');
    expect(await failure(createSession('2027-11-07T06:00:00Z', 45))).toMatchObject({ code: 'outside_availability', status: 422 });
    const moved = await core.sessions.reschedule(w.coach.actor, s.id, { scheduledAt: new Date('2027-11-07T07:00:00Z') });
    expect(moved.scheduledAt.toISOString()).toBe('2027-11-07T07:00:00.000Z');
  });
});

describe('stranded-session checks in real time', () => {
  it('lets a coach edit a window holding the 01:00 hour of a spring-forward night that ends at the jump', async () => {
    await arrange([sunday('00:00', '02:00')], '2027-03-01T00:00:00Z');
    await createSession('2027-03-14T06:00:00Z');
    const window = await db.coachAvailability.findFirstOrThrow({ where: { coachId: coachId() } });
    const updated = await core.availability.update(w.coach.actor, window.id, { maxSessionsPerSlot: 2 });
    expect(updated.maxSessionsPerSlot).toBe(2);
    // Moving the window so the session no longer fits is still refused.
    expect(await failure(core.availability.update(w.coach.actor, window.id, { endTime: '01:00' }))).toMatchObject({ code: 'availability_strands_bookings' });
  });

  it('changes the coach time zone when every session still sits on a real-time slot, and refuses it otherwise', async () => {
    // In UTC the session 06:00Z sits in 06:00-07:00; in New York it is 01:00 EST in 00:00-02:00, ending at the jump.
    await arrange([sunday('00:00', '02:00'), sunday('06:00', '07:00')], '2027-03-01T00:00:00Z', 'UTC');
    await createSession('2027-03-14T06:00:00Z');
    const moved = await core.coaches.updateProfile(w.coach.actor, coachId(), { timezone: 'America/New_York' });
    expect(moved.timezone).toBe('America/New_York');
    await arrange([sunday('06:00', '07:00')], '2027-03-01T00:00:00Z', 'UTC');
    await createSession('2027-03-14T06:00:00Z');
    expect(await failure(core.coaches.updateProfile(w.coach.actor, coachId(), { timezone: 'America/New_York' }))).toMatchObject({ code: 'timezone_strands_sessions' });
  });
});
