import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, ValidationError } from '../../src/core/index.ts';
import { averageRating } from '../../src/core/sessions/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { DAY, HOUR, failure, party, seedSession, seedSessions, snapshot, world, type Party } from './sessions.fixtures.ts';

const ctx = await setupCore();
const { db, core, clock } = ctx;
let w: Awaited<ReturnType<typeof world>>;
/** Property 44's coach: each run clears its sessions instead of making a new coach. */
let subjectCoach: Party;

beforeAll(async () => {
  w = await world(db);
  subjectCoach = await party(db, 'Coach');
  clock.set(TEST_EPOCH.getTime() + 60 * DAY);
});

type Status = 'scheduled' | 'completed' | 'cancelled' | 'no_show';
const statusArb = fc.constantFrom<Status>('scheduled', 'completed', 'cancelled', 'no_show');
const feedbackArb = fc.option(fc.string({ maxLength: 200 }), { nil: undefined });

const completedSession = (status: Status = 'completed') =>
  seedSession(db, { coach: w.coach.user, member: w.member.user, scheduledAt: new Date(clock.now().getTime() - 2 * HOUR), status });

describe('rating a session', () => {
  // Feature: coaching-platform, Property 41: Session Rating Validation
  it('Property 41: for any session rating submission, ratings 1 to 5 inclusive are accepted and others rejected', async () => {
    const ratingArb = fc.oneof(fc.integer({ min: -20, max: 20 }), fc.double({ min: -10, max: 10, noNaN: true }), fc.constant(Number.NaN));
    await fc.assert(
      fc.asyncProperty(ratingArb, async (rating) => {
        const session = await completedSession();
        const valid = Number.isInteger(rating) && rating >= 1 && rating <= 5;
        if (valid) {
          expect((await core.sessions.rate(w.member.actor, session.id, { rating })).rating).toBe(rating);
          return;
        }
        const before = await snapshot(db, session.id);
        const error = await failure(() => core.sessions.rate(w.member.actor, session.id, { rating }));
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.issues?.map((i) => i.field)).toEqual(['rating']);
        expect(await snapshot(db, session.id)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 42: Session Rating Optional Feedback
  it('Property 42: for any session rating submission, it is accepted with or without text feedback', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), feedbackArb, async (rating, feedback) => {
        const session = await completedSession();
        const input = feedback === undefined ? { rating } : { rating, feedback };
        const rated = await core.sessions.rate(w.member.actor, session.id, input);
        expect(rated.rating).toBe(rating);
        expect(rated.ratingFeedback).toBe(feedback ?? null);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 43: Session Rating Persistence
  it('Property 43: for any session rating submitted, the rating and feedback are stored with the session and retrievable', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), feedbackArb, async (rating, feedback) => {
        const session = await completedSession();
        await core.sessions.rate(w.member.actor, session.id, { rating, feedback });
        for (const reader of [w.member, w.coach, w.admin]) {
          const seen = await core.sessions.get(reader.actor, session.id);
          expect(seen.rating).toBe(rating);
          expect(seen.ratingFeedback).toBe(feedback ?? null);
          expect(seen.ratedAt?.getTime()).toBe(clock.now().getTime());
        }
        const row = await db.session.findUniqueOrThrow({ where: { id: session.id } });
        expect([row.rating, row.ratingFeedback]).toEqual([rating, feedback ?? null]);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 45: Session Rating Duplicate Prevention
  it('Property 45: for any session already rated, another rating is rejected with a duplicate error and the first is kept', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), feedbackArb, async (first, second, feedback) => {
        const session = await completedSession();
        await core.sessions.rate(w.member.actor, session.id, { rating: first, feedback: 'first' });
        const before = await snapshot(db, session.id);
        const error = await failure(() => core.sessions.rate(w.member.actor, session.id, { rating: second, feedback }));
        expect(error).toBeInstanceOf(ConflictError);
        expect(error.code).toBe('already_rated');
        expect(await snapshot(db, session.id)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 63: Session Rating State Validation
  it('Property 63: for any rating submission, the session must be completed and not yet rated, else it is rejected', async () => {
    await fc.assert(
      fc.asyncProperty(statusArb, fc.boolean(), fc.integer({ min: 1, max: 5 }), async (status, alreadyRated, rating) => {
        const session = await completedSession(status);
        if (status === 'completed' && alreadyRated) await core.sessions.rate(w.member.actor, session.id, { rating: 3 });
        const before = await snapshot(db, session.id);
        if (status === 'completed' && !alreadyRated) {
          expect((await core.sessions.rate(w.member.actor, session.id, { rating })).rating).toBe(rating);
          return;
        }
        const error = await failure(() => core.sessions.rate(w.member.actor, session.id, { rating }));
        if (status === 'completed') {
          expect(error).toBeInstanceOf(ConflictError);
        } else {
          expect(error).toBeInstanceOf(ValidationError);
          expect(error.code).toBe('invalid_state');
        }
        expect(await snapshot(db, session.id)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it("lets only the session's member rate (or an admin for them), not its coach or another member", async () => {
    const session = await completedSession();
    for (const actor of [w.coach.actor, w.otherMember.actor]) {
      expect(await failure(() => core.sessions.rate(actor, session.id, { rating: 4 }))).toBeInstanceOf(ForbiddenError);
    }
    expect((await db.session.findUniqueOrThrow({ where: { id: session.id } })).rating).toBeNull();
    await core.sessions.rate(w.admin.actor, session.id, { rating: 4 });
    expect((await db.session.findUniqueOrThrow({ where: { id: session.id } })).rating).toBe(4);
  });
});

describe('coach average rating', () => {
  // Feature: coaching-platform, Property 44: Coach Average Rating Calculation
  it('Property 44: for any coach, the average rating is the mean of all ratings from completed sessions of that coach', async () => {
    const sessionArb = fc.record({ status: statusArb, rating: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }) });
    await fc.assert(
      fc.asyncProperty(fc.array(sessionArb, { maxLength: 6 }), async (specs) => {
        const coach = subjectCoach;
        await db.session.deleteMany({ where: { coachId: coach.user.id } });
        const at = (i: number) => new Date(clock.now().getTime() - (i + 1) * 2 * HOUR);
        // Completed sessions are rated through the service; a rating left on a session that is not
        // completed (e.g. by an older writer) and another coach's rating must not count.
        const seeded = await seedSessions(db, [
          { coach: w.coach.user, member: w.member.user, scheduledAt: at(99), status: 'completed', rating: 1 },
          ...specs.map((spec, i) => ({
            coach: coach.user,
            member: w.member.user,
            scheduledAt: at(i),
            status: spec.status,
            rating: spec.status === 'completed' ? null : spec.rating,
          })),
        ]);
        for (const [i, spec] of specs.entries()) {
          const s = seeded[i + 1];
          if (spec.status === 'completed' && spec.rating !== null && s) await core.sessions.rate(w.member.actor, s.id, { rating: spec.rating });
        }
        const rated = specs.filter((s) => s.status === 'completed' && s.rating !== null).map((s) => s.rating as number);
        const expected = rated.length ? rated.reduce((a, b) => a + b, 0) / rated.length : null;
        const dashboard = await core.dashboards.coach(coach.actor);
        if (expected === null) expect(dashboard.averageRating).toBeNull();
        else expect(dashboard.averageRating).toBeCloseTo(expected, 10);
        expect(dashboard.ratingCount).toBe(rated.length);
        const pure = averageRating(specs);
        if (expected === null) expect(pure).toBeNull();
        else expect(pure).toBeCloseTo(expected, 10);
      }),
      { numRuns: 100 },
    );
  });
});
