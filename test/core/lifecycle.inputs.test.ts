import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { setWindows } from './bookings.fixtures.ts';
import { HOUR, failure, seedSession, world } from './sessions.fixtures.ts';

// Every entry point of sessions, dashboards and calendar feeds refuses malformed input with a
// ValidationError naming the field, before writing anything (docs/design.md §2: bad input never
// causes a 500, a crash or a partial write).

const ctx = await setupCore();
const { db, core, clock } = ctx;
let w: Awaited<ReturnType<typeof world>>;
let scheduledId: string;
let completedId: string;

beforeAll(async () => {
  w = await world(db);
  await setWindows(db, w.coach.user.id, [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: 10 })));
  clock.set(TEST_EPOCH);
  scheduledId = (await seedSession(db, { coach: w.coach.user, member: w.member.user, scheduledAt: new Date(TEST_EPOCH.getTime() - HOUR) })).id;
  completedId = (await seedSession(db, { coach: w.coach.user, member: w.member.user, scheduledAt: new Date(TEST_EPOCH.getTime() - 2 * HOUR), status: 'completed' })).id;
});

async function rowCounts() {
  const [sessions, events, notifications, conversations, keys, feeds, windows] = await Promise.all([
    db.session.count(),
    db.calendarEvent.count(),
    db.notification.count(),
    db.conversation.count(),
    db.idempotencyKey.count(),
    db.calendarFeed.count(),
    db.coachAvailability.count(),
  ]);
  const states = await db.session.findMany({ select: { id: true, status: true, scheduledAt: true, duration: true, coachNotes: true, memberNotes: true, rating: true, type: true }, orderBy: { id: 'asc' } });
  return { sessions, events, notifications, conversations, keys, feeds, windows, states };
}

async function expectInvalid(call: () => Promise<unknown>, field: string) {
  const before = await rowCounts();
  const error = await failure(call);
  expect(error, `expected a ValidationError on ${field}`).toBeInstanceOf(ValidationError);
  expect(error.issues?.map((i) => i.field)).toContain(field);
  expect(await rowCounts()).toEqual(before);
}

const valid = () => ({
  memberId: w.member.user.memberId as string,
  coachId: w.coach.user.id,
  scheduledAt: new Date(TEST_EPOCH.getTime() + 5 * HOUR),
  duration: 60,
  type: 'regular' as const,
});

describe('invalid input at every entry point', () => {
  it('create: each corrupted field is named and nothing is written', async () => {
    const corruptions: [string, unknown][] = [
      ['memberId', 'not-a-uuid'],
      ['memberId', undefined],
      ['coachId', 42],
      ['scheduledAt', 'tomorrow-ish'],
      ['scheduledAt', undefined],
      ['duration', 0],
      ['duration', 481],
      ['duration', 30.5],
      ['duration', 'long'],
      ['type', 'weekly'],
      ['memberNotes', 'x'.repeat(5001)],
      ['createGroupConversation', 'yes'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...corruptions), fc.boolean(), async ([field, value], asAdmin) => {
        const input = { ...valid(), [field]: value } as unknown as Parameters<typeof core.sessions.create>[1];
        await expectInvalid(() => core.sessions.create(asAdmin ? w.admin.actor : w.coach.actor, input), field);
      }),
      { numRuns: 100 },
    );
    await expectInvalid(() => core.sessions.create(w.coach.actor, valid(), ''), 'idempotencyKey');
  });

  it('update, reschedule, complete, cancel, no-show, notes and rating name the bad field', async () => {
    const coach = w.coach.actor;
    const member = w.member.actor;
    const cases: [string, () => Promise<unknown>][] = [
      ['id', () => core.sessions.update(coach, 'nope', { type: 'initial' })],
      ['(input)', () => core.sessions.update(coach, scheduledId, {})],
      ['type', () => core.sessions.update(coach, scheduledId, { type: 'x' as 'initial' })],
      ['duration', () => core.sessions.update(coach, scheduledId, { duration: -5 })],
      ['coachNotes', () => core.sessions.update(coach, scheduledId, { coachNotes: 'x'.repeat(5001) })],
      ['scheduledAt', () => core.sessions.reschedule(coach, scheduledId, { scheduledAt: 'soon' as unknown as Date })],
      ['duration', () => core.sessions.reschedule(coach, scheduledId, { scheduledAt: new Date(TEST_EPOCH.getTime() + 9 * HOUR), duration: 1000 })],
      ['id', () => core.sessions.reschedule(coach, 'x', { scheduledAt: new Date() })],
      ['coachNotes', () => core.sessions.complete(coach, scheduledId, { coachNotes: '   ' })],
      ['coachNotes', () => core.sessions.complete(coach, scheduledId, {} as { coachNotes: string })],
      ['outcomes', () => core.sessions.complete(coach, scheduledId, { coachNotes: 'ok', outcomes: 7 as unknown as string })],
      ['reason', () => core.sessions.cancel(coach, scheduledId, { reason: 'x'.repeat(1001) })],
      ['id', () => core.sessions.cancel(coach, '1234')],
      ['party', () => core.sessions.markNoShow(coach, scheduledId, { party: 'both' as 'member' })],
      ['notes', () => core.sessions.addCoachNotes(coach, scheduledId, { notes: '' })],
      ['notes', () => core.sessions.addMemberNotes(member, scheduledId, { notes: 'x'.repeat(5001) })],
      ['rating', () => core.sessions.rate(member, completedId, { rating: 0 })],
      ['rating', () => core.sessions.rate(member, completedId, { rating: 6 })],
      ['rating', () => core.sessions.rate(member, completedId, { rating: 2.5 })],
      ['rating', () => core.sessions.rate(member, completedId, { rating: '4' as unknown as number })],
      ['feedback', () => core.sessions.rate(member, completedId, { rating: 4, feedback: 'x'.repeat(2001) })],
    ];
    for (const [field, call] of cases) await expectInvalid(call, field);
  });

  it('reads, dashboards and calendar feeds name the bad field', async () => {
    const admin = w.admin.actor;
    const cases: [string, () => Promise<unknown>][] = [
      ['id', () => core.sessions.get(admin, 'abc')],
      ['status', () => core.sessions.list(admin, { status: 'done' as 'completed' })],
      ['limit', () => core.sessions.list(admin, { limit: 0 })],
      ['limit', () => core.sessions.list(admin, { limit: 101 })],
      ['cursor', () => core.sessions.list(admin, { cursor: 'page-2' })],
      ['memberId', () => core.sessions.list(admin, { memberId: 'm' })],
      ['from', () => core.sessions.list(admin, { from: new Date('2030-02-01'), to: new Date('2030-01-01') })],
      ['to', () => core.sessions.list(admin, { to: 'later' as unknown as Date })],
      ['limit', () => core.sessions.listUpcoming(admin, { limit: 0 })],
      ['memberId', () => core.sessions.listByMember(admin, 'x')],
      ['coachId', () => core.sessions.listByCoach(admin, 'y')],
      ['id', () => core.dashboards.member(admin, 'who')],
      ['id', () => core.dashboards.coach(admin, 'who')],
      ['userId', () => core.calendar.createFeed(admin, 'u')],
      ['userId', () => core.calendar.revokeFeed(admin, 'u')],
      ['token', () => core.calendar.renderFeed('')],
    ];
    for (const [field, call] of cases) await expectInvalid(call, field);
  });
});

describe('availability time ranges', () => {
  const clockArb = (min: number, max: number) => fc.integer({ min, max }).map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

  // Feature: coaching-platform, Property 59: Availability Time Range Validation
  it('Property 59: for any availability slot creation, startTime must be before endTime and invalid time ranges are rejected', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 6 }), clockArb(0, 23 * 60 + 59), clockArb(1, 24 * 60), async (dayOfWeek, startTime, endTime) => {
        await db.coachAvailability.deleteMany({ where: { coachId: w.otherCoach.user.id } });
        const input = { dayOfWeek, startTime, endTime, maxSessionsPerSlot: 1, bufferMinutes: 0 };
        if (startTime < endTime) {
          const window = await core.availability.create(w.otherCoach.actor, input);
          expect(window).toMatchObject({ coachId: w.otherCoach.user.id, startTime, endTime });
          return;
        }
        await expectInvalid(() => core.availability.create(w.otherCoach.actor, input), 'endTime');
      }),
      { numRuns: 100 },
    );
  });
});
