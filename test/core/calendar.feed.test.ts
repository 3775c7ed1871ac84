import { createHash } from 'node:crypto';
import fc from 'fast-check';
import ical, { type VEvent } from 'node-ical';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FEED_MAX_EVENTS } from '../../src/core/calendar/feed.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/core/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { clearCoach, setWindows } from './bookings.fixtures.ts';
import { HOUR, MINUTE, failure, party, world, type Party } from './sessions.fixtures.ts';

const ctx = await setupCore();
const { db, core, clock } = ctx;
let w: Awaited<ReturnType<typeof world>>;
let secondMember: Party;

const OPEN_WEEK = [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: 10, bufferMinutes: 0 }));
const at = (hours: number) => new Date(TEST_EPOCH.getTime() + hours * HOUR);

beforeAll(async () => {
  w = await world(db);
  secondMember = await party(db, 'Member', { coachId: w.coach.user.id });
  await setWindows(db, w.coach.user.id, OPEN_WEEK);
  await setWindows(db, w.otherCoach.user.id, OPEN_WEEK);
});

beforeEach(async () => {
  clock.set(TEST_EPOCH);
  await clearCoach(db, w.coach.user.id);
  await clearCoach(db, w.otherCoach.user.id);
});

function events(text: string): VEvent[] {
  return Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT');
}

const textOf = (v: unknown) => (typeof v === 'string' ? v : ((v as { val?: string } | undefined)?.val ?? ''));

function book(member: Party, coach: Party, hours: number) {
  return core.sessions.create(coach.actor, { memberId: member.user.memberId as string, coachId: coach.user.id, scheduledAt: at(hours), duration: 60, type: 'regular' });
}

describe('calendar feed tokens', () => {
  it('returns a 32-byte base64url token once and stores only its sha256', async () => {
    const feed = await core.calendar.createFeed(w.member.actor, w.member.user.id);
    expect(feed.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(feed.token, 'base64url')).toHaveLength(32);
    const row = await db.calendarFeed.findUniqueOrThrow({ where: { id: feed.feedId } });
    expect(row.tokenHash).toBe(createHash('sha256').update(feed.token).digest('hex'));
    expect(JSON.stringify(await db.calendarFeed.findMany())).not.toContain(feed.token);
  });

  it('lets a user manage only their own feed; an admin manages anyone’s', async () => {
    const error = await failure(() => core.calendar.createFeed(w.otherMember.actor, w.member.user.id));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(await failure(() => core.calendar.revokeFeed(w.coach.actor, w.member.user.id))).toBeInstanceOf(ForbiddenError);
    const byAdmin = await core.calendar.createFeed(w.admin.actor, w.member.user.id);
    expect(await core.calendar.renderFeed(byAdmin.token)).toContain('BEGIN:VCALENDAR');
  });

  it('revokes: a revoked token, a replaced token and an unknown token all answer not found; a malformed one is invalid', async () => {
    const first = await core.calendar.createFeed(w.member.actor, w.member.user.id);
    const second = await core.calendar.createFeed(w.member.actor, w.member.user.id);
    expect(await failure(() => core.calendar.renderFeed(first.token))).toBeInstanceOf(NotFoundError);
    expect(await core.calendar.renderFeed(second.token)).toContain('BEGIN:VCALENDAR');
    expect(await core.calendar.revokeFeed(w.member.actor, w.member.user.id)).toEqual({ revoked: 1 });
    const revoked = await failure(() => core.calendar.renderFeed(second.token));
    expect(revoked).toBeInstanceOf(NotFoundError);
    expect(revoked.code).toBe('calendar_feed_not_found');
    expect(await failure(() => core.calendar.renderFeed('A'.repeat(43)))).toBeInstanceOf(NotFoundError);
    const malformed = await failure(() => core.calendar.renderFeed('not a token'));
    expect(malformed).toBeInstanceOf(ValidationError);
    expect(malformed.issues?.map((i) => i.field)).toEqual(['token']);
    expect(await failure(() => core.calendar.createFeed(w.member.actor, 'nope'))).toBeInstanceOf(ValidationError);
  });
});

describe('calendar feed content', () => {
  it("holds the user's sessions as coach (creator) or member (attendee), with stable UIDs and no private notes", async () => {
    const mine = await book(w.member, w.coach, 3);
    const sibling = await book(secondMember, w.coach, 4);
    const foreign = await book(w.otherMember, w.otherCoach, 5);
    await core.sessions.addCoachNotes(w.coach.actor, mine.id, { notes: 'SECRET-COACH-NOTE' });
    await core.sessions.addMemberNotes(w.member.actor, mine.id, { notes: 'SECRET-MEMBER-NOTE' });

    const memberFeed = await core.calendar.renderFeed((await core.calendar.createFeed(w.member.actor, w.member.user.id)).token);
    const coachFeed = await core.calendar.renderFeed((await core.calendar.createFeed(w.coach.actor, w.coach.user.id)).token);
    for (const text of [memberFeed, coachFeed]) {
      expect(text).not.toContain('SECRET-COACH-NOTE');
      expect(text).not.toContain('SECRET-MEMBER-NOTE');
    }
    const uid = async (id: string) => (await db.calendarEvent.findUniqueOrThrow({ where: { id } })).icalUid;
    const memberEvents = events(memberFeed);
    expect(memberEvents.map((e) => e.uid)).toEqual([await uid(mine.calendarEventId)]);
    const coachEvents = events(coachFeed);
    expect(coachEvents.map((e) => e.uid).sort()).toEqual([await uid(mine.calendarEventId), await uid(sibling.calendarEventId)].sort());
    expect(coachEvents.map((e) => e.uid)).not.toContain(await uid(foreign.calendarEventId));

    const event = memberEvents[0] as VEvent;
    expect(event.start?.getTime()).toBe(at(3).getTime());
    expect(event.end?.getTime()).toBe(at(3).getTime() + 60 * MINUTE);
    expect(event.status).toBe('CONFIRMED');
    expect(Number(event.sequence)).toBe(0);
    expect(event.dtstamp).toBeInstanceOf(Date);
    const coachName = (await db.user.findUniqueOrThrow({ where: { id: w.coach.user.id } })).name;
    expect(textOf(event.summary)).toBe(`Coaching Session with ${coachName}`);
    expect(textOf(event.description)).toBe('regular session, 60 minutes');
  });

  it('propagates a reschedule (same UID, new time, higher SEQUENCE) and a cancellation (STATUS:CANCELLED)', async () => {
    const session = await book(w.member, w.coach, 6);
    const { token } = await core.calendar.createFeed(w.member.actor, w.member.user.id);
    const [before] = events(await core.calendar.renderFeed(token)) as [VEvent];

    await core.sessions.reschedule(w.member.actor, session.id, { scheduledAt: at(30) });
    const [moved] = events(await core.calendar.renderFeed(token)) as [VEvent];
    expect(moved.uid).toBe(before.uid);
    expect(moved.start?.getTime()).toBe(at(30).getTime());
    expect(Number(moved.sequence)).toBeGreaterThan(Number(before.sequence));

    await core.sessions.cancel(w.coach.actor, session.id, { reason: 'ill' });
    const [cancelled] = events(await core.calendar.renderFeed(token)) as [VEvent];
    expect(cancelled.uid).toBe(before.uid);
    expect(cancelled.status).toBe('CANCELLED');
    expect(Number(cancelled.sequence)).toBeGreaterThan(Number(moved.sequence));
  });

  it('for any series of reschedules and an optional cancel, the feed event matches the calendar event', async () => {
    const { token } = await core.calendar.createFeed(w.member.actor, w.member.user.id);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 2, max: 24 * 60 }), { maxLength: 3 }), fc.boolean(), async (moves, cancel) => {
        await clearCoach(db, w.coach.user.id);
        const session = await book(w.member, w.coach, 2);
        for (const hours of moves) await core.sessions.reschedule(w.coach.actor, session.id, { scheduledAt: at(hours) });
        if (cancel) await core.sessions.cancel(w.member.actor, session.id);
        const row = await db.calendarEvent.findUniqueOrThrow({ where: { id: session.calendarEventId } });
        const [event, ...rest] = events(await core.calendar.renderFeed(token));
        expect(rest).toHaveLength(0);
        expect(event?.uid).toBe(row.icalUid);
        expect(event?.start?.getTime()).toBe(row.startsAt.getTime());
        expect(event?.end?.getTime()).toBe(row.endsAt.getTime());
        expect(Number(event?.sequence)).toBe(row.sequence);
        expect(event?.status).toBe(cancel ? 'CANCELLED' : 'CONFIRMED');
        const distinctMoves = moves.filter((h, i) => h !== (i === 0 ? 2 : moves[i - 1])).length;
        expect(row.sequence).toBe(distinctMoves + (cancel ? 1 : 0));
      }),
      { numRuns: 100 },
    );
  });
});

describe('calendar feed size', () => {
  it(`keeps every upcoming session when the history alone would fill the ${FEED_MAX_EVENTS}-event budget`, async () => {
    const { randomUUID } = await import('node:crypto');
    const past = Array.from({ length: FEED_MAX_EVENTS }, (_, i) => at(-2 * (i + 1)));
    const starts = [...past, at(48)];
    const events_ = starts.map((startsAt) => ({ id: randomUUID(), startsAt }));
    await db.calendarEvent.createMany({
      data: events_.map((e) => ({
        id: e.id,
        title: 'Coaching Session',
        startsAt: e.startsAt,
        endsAt: new Date(e.startsAt.getTime() + HOUR),
        category: 'Coaching Session',
        creatorId: w.coach.user.id,
        icalUid: `${e.id}@coachbot`,
      })),
    });
    await db.session.createMany({
      data: events_.map((e) => ({
        calendarEventId: e.id,
        memberId: w.member.user.memberId as string,
        coachId: w.coach.user.id,
        type: 'regular' as const,
        duration: 60,
        scheduledAt: e.startsAt,
      })),
    });
    const { token } = await core.calendar.createFeed(w.coach.actor, w.coach.user.id);
    const feed = events(await core.calendar.renderFeed(token));
    expect(feed).toHaveLength(FEED_MAX_EVENTS);
    expect(feed.some((e) => e.start?.getTime() === at(48).getTime())).toBe(true);
    expect(feed.some((e) => e.start?.getTime() === past.at(-1)!.getTime())).toBe(false);
  });
});
