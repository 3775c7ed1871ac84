import fc from 'fast-check';
import ical, { type VEvent } from 'node-ical';
import { beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/core/index.ts';
import { noticeRoute, noticeTarget, type RoutableIdentity } from '../../src/core/notifications/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { DAY, HOUR, failure, party, seedSession, world } from './sessions.fixtures.ts';

// Issue 32 in core: commitments recorded at completion, "Last time:" as each reader may see it,
// marking a commitment done, the calendar feed, and the one rule of where notices go.

const ctx = await setupCore();
const { db, core, clock } = ctx;
let w: Awaited<ReturnType<typeof world>>;

beforeAll(async () => {
  w = await world(db);
});

/** A session of w.member with w.coach that started `daysAgo` days before the clock, still scheduled. */
async function started(daysAgo: number) {
  clock.set(TEST_EPOCH.getTime() + 60 * DAY);
  return seedSession(db, { coach: w.coach.user, member: w.member.user, scheduledAt: new Date(clock.now().getTime() - daysAgo * DAY), status: 'scheduled' });
}

describe('commitments at completion', () => {
  it('are written with the completion, in order, with their due days, and every reader of the session sees them', async () => {
    const s = await started(2);
    const done = await core.sessions.complete(w.coach.actor, s.id, {
      coachNotes: 'private: worried about sleep',
      commitments: [{ text: 'Walk 20 min daily', dueDate: '2030-03-20' }, { text: 'Log meals' }],
    });
    expect(done.commitments.map((c) => [c.text, c.dueDate, c.doneAt])).toEqual([
      ['Walk 20 min daily', '2030-03-20', null],
      ['Log meals', null, null],
    ]);
    const asMember = await core.sessions.get(w.member.actor, s.id);
    expect(asMember.commitments.map((c) => c.text)).toEqual(['Walk 20 min daily', 'Log meals']);
    expect(asMember.coachNotes).toBeUndefined();
  });

  it('a bad commitment is a 400 naming it, and nothing is written: not the completion, not the others', async () => {
    const s = await started(3);
    for (const bad of [
      { commitments: [{ text: 'ok' }, { text: 'x'.repeat(201) }], field: 'commitments.1.text' },
      { commitments: [{ text: 'ok', dueDate: '2030-02-30' }], field: 'commitments.0.dueDate' },
      { commitments: [{ text: '   ' }], field: 'commitments.0.text' },
      { commitments: Array.from({ length: 11 }, (_, i) => ({ text: `c${i}` })), field: 'commitments' },
    ]) {
      const error = await failure(() => core.sessions.complete(w.coach.actor, s.id, { coachNotes: 'n', commitments: bad.commitments }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.issues?.map((i) => i.field)).toContain(bad.field);
    }
    expect(await db.session.findUniqueOrThrow({ where: { id: s.id }, select: { status: true } })).toEqual({ status: 'scheduled' });
    expect(await db.sessionCommitment.count({ where: { sessionId: s.id } })).toBe(0);
  });
});

describe('"Last time:" and marking a commitment done', () => {
  it("the next session shows the last one's commitments to both; its coach also gets their notes and the rating; the member marks one done, once", async () => {
    const member = await party(db, 'Member', { coachId: w.coach.user.id });
    clock.set(TEST_EPOCH.getTime() + 90 * DAY);
    const before = await seedSession(db, { coach: w.coach.user, member: member.user, scheduledAt: new Date(clock.now().getTime() - 7 * DAY), status: 'scheduled' });
    await core.sessions.complete(w.coach.actor, before.id, { coachNotes: 'private: knee', commitments: [{ text: 'Stretch' }, { text: 'Sleep by 23:00' }] });
    await core.sessions.rate(member.actor, before.id, { rating: 4, feedback: 'good' });
    const next = await seedSession(db, { coach: w.coach.user, member: member.user, scheduledAt: new Date(clock.now().getTime() + DAY), status: 'scheduled' });

    const forCoach = await core.sessions.lastTime(w.coach.actor, next.id);
    expect(forCoach).toMatchObject({ sessionId: before.id, coachNotes: 'private: knee', rating: 4, ratingFeedback: 'good' });
    const forMember = await core.sessions.lastTime(member.actor, next.id);
    expect(forMember?.commitments.map((c) => c.text)).toEqual(['Stretch', 'Sleep by 23:00']);
    expect(forMember).not.toHaveProperty('coachNotes');
    expect(forMember).not.toHaveProperty('rating');
    // Without a session: the member's own latest completed one (for /next with nothing booked).
    expect((await core.sessions.lastTime(member.actor))?.sessionId).toBe(before.id);
    // Another coach, an admin's reassignment later, gets no notes of a session that is not theirs.
    const admin = await core.sessions.lastTime(w.admin.actor, next.id);
    expect(admin?.coachNotes).toBe('private: knee');
    await expect(core.sessions.lastTime(w.otherCoach.actor, next.id)).rejects.toBeInstanceOf(ForbiddenError);

    const [stretch] = forMember!.commitments;
    clock.set(clock.now().getTime() + HOUR);
    const marked = await core.sessions.markCommitmentDone(member.actor, stretch!.id);
    const doneAt = marked.commitments.find((c) => c.id === stretch!.id)?.doneAt;
    expect(doneAt).toEqual(clock.now());
    // Again: nothing changes (the first time stays).
    clock.set(clock.now().getTime() + HOUR);
    await core.sessions.markCommitmentDone(member.actor, stretch!.id);
    expect((await core.sessions.lastTime(w.coach.actor, next.id))?.commitments.map((c) => c.doneAt)).toEqual([doneAt, null]);

    // Only the member (or an admin) marks it; an unknown one is a 404, a malformed id a 400.
    await expect(core.sessions.markCommitmentDone(w.coach.actor, stretch!.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(core.sessions.markCommitmentDone(w.member.actor, stretch!.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(core.sessions.markCommitmentDone(member.actor, '00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
    await expect(core.sessions.markCommitmentDone(member.actor, 'nope')).rejects.toBeInstanceOf(ValidationError);
  });

  it("the calendar feed lists a session's commitments for both parties, and never the coach's private notes", async () => {
    const member = await party(db, 'Member', { coachId: w.coach.user.id });
    clock.set(TEST_EPOCH.getTime() + 120 * DAY);
    const s = await seedSession(db, { coach: w.coach.user, member: member.user, scheduledAt: new Date(clock.now().getTime() - DAY), status: 'scheduled' });
    await core.sessions.complete(w.coach.actor, s.id, { coachNotes: 'PRIVATE-feed-note', commitments: [{ text: 'Drink water', dueDate: '2030-06-01' }] });
    for (const who of [member, w.coach]) {
      const { token } = await core.calendar.createFeed(who.actor, who.user.id);
      const text = await core.calendar.renderFeed(token);
      expect(text).not.toContain('PRIVATE-feed-note');
      const event = Object.values(ical.sync.parseICS(text)).find((c): c is VEvent => c?.type === 'VEVENT' && String(c.uid).startsWith(s.calendarEventId));
      const description = String((event?.description as unknown as { val?: string })?.val ?? event?.description);
      expect(description).toContain('☐ Drink water (due 2030-06-01)');
    }
  });
});

describe('where notices go (noticeRoute)', () => {
  const platforms = ['slack', 'discord', 'telegram', 'web'] as const;
  const identities = fc.uniqueArray(
    fc.record({
      id: fc.uuid(),
      platform: fc.constantFrom(...platforms),
      lastUsedAt: fc.option(fc.integer({ min: 0, max: 1000 }).map((n) => new Date(TEST_EPOCH.getTime() + n * 60_000)), { nil: null }),
      createdAt: fc.integer({ min: 0, max: 1000 }).map((n) => new Date(TEST_EPOCH.getTime() - n * 60_000)),
      unreachableAt: fc.option(fc.constant(TEST_EPOCH), { nil: null }),
    }),
    { maxLength: 6, selector: (i) => i.id },
  );

  it('the preferred platform first, then the one last used; unreachable ones last; every identity once', () => {
    fc.assert(
      fc.property(identities, fc.option(fc.constantFrom(...platforms), { nil: null }), (ids: RoutableIdentity[], preferred) => {
        const route = noticeRoute(ids, preferred);
        expect(new Set(route.map((i) => i.id))).toEqual(new Set(ids.map((i) => i.id)));
        const reachable = ids.filter((i) => i.unreachableAt === null);
        // Every reachable identity comes before every unreachable one.
        expect(route.slice(0, reachable.length).every((i) => i.unreachableAt === null)).toBe(true);
        const target = noticeTarget(ids, preferred);
        if (!reachable.length) {
          expect(target).toBeNull();
          return;
        }
        const chosen = reachable.filter((i) => i.platform === preferred);
        const pool = chosen.length ? chosen : reachable;
        // The target is in the preferred pool, and no identity of that pool was used more recently.
        expect(pool).toContain(target);
        const used = (i: RoutableIdentity) => i.lastUsedAt?.getTime() ?? -Infinity;
        expect(pool.every((i) => used(i) <= used(target!))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
