import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { makeCoach, makeMember } from '../helpers/factories.ts';
import { coachWorld, counts, failure, key, person, resetCoach, type CoachWorld, type Person } from './bookings.fixtures.ts';

// Every answer given under an Idempotency-Key is final (src/core/idempotency.ts): a refusal is
// recorded with the key and nothing else, a retry gets it again even after the situation changed,
// and the key then refuses any other request (422 idempotency_key_reused).

const { db, core, clock } = await setupCore();
let w: CoachWorld;
let foreign: Person;

beforeAll(async () => {
  w = await coachWorld(db, { members: 3 });
  const otherCoach = await person(db, makeCoach(db));
  foreign = await person(db, makeMember(db, { coachId: otherCoach.user.id }));
});

const TUESDAY = '2030-01-08';
const m = (i: number) => w.members[i]!;
const at = (date: string, time: string) => `${date}T${time}:00Z`;

/** Tuesday 09:00-17:00 UTC with `seats` seats, nothing booked; the clock at the test epoch. */
async function arrange(seats: number) {
  clock.set(TEST_EPOCH);
  await resetCoach(db, w.coach.user.id, [{ dayOfWeek: 2, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: seats }]);
}

interface Ask {
  memberId: string;
  startsAt: string;
}

/** The two keyed entry points, asked by the coach for a member at an instant. */
const channels = {
  bookings: (actor: Actor, a: Ask, k: string) =>
    core.bookings.create(actor, { memberId: a.memberId, coachId: w.coach.user.id, startsAt: a.startsAt, duration: 60 }, k),
  sessions: (actor: Actor, a: Ask, k: string) =>
    core.sessions.create(actor, { memberId: a.memberId, coachId: w.coach.user.id, scheduledAt: a.startsAt, duration: 60, type: 'regular' }, k),
};
type Channel = keyof typeof channels;

/** Ways to be refused, each set up from an empty calendar, with the request it refuses. */
const refusals: Record<string, { seats: number; before?: () => Promise<unknown>; actor?: () => Actor; ask: () => Ask }> = {
  already_booked: { seats: 2, before: () => channels.bookings(w.coach.actor, { memberId: m(0).user.memberId!, startsAt: at(TUESDAY, '10:00') }, key()), ask: () => ({ memberId: m(0).user.memberId!, startsAt: at(TUESDAY, '10:00') }) },
  slot_full: { seats: 1, before: () => channels.bookings(w.coach.actor, { memberId: m(1).user.memberId!, startsAt: at(TUESDAY, '10:00') }, key()), ask: () => ({ memberId: m(0).user.memberId!, startsAt: at(TUESDAY, '10:00') }) },
  outside_availability: { seats: 1, ask: () => ({ memberId: m(0).user.memberId!, startsAt: at(TUESDAY, '18:00') }) },
  booking_too_soon: { seats: 1, ask: () => ({ memberId: m(0).user.memberId!, startsAt: at('2030-01-01', '10:00') }) },
  booking_too_far_ahead: { seats: 1, ask: () => ({ memberId: m(0).user.memberId!, startsAt: at('2031-01-07', '10:00') }) },
  not_your_member: { seats: 1, ask: () => ({ memberId: foreign.user.memberId!, startsAt: at(TUESDAY, '10:00') }) },
  member_not_found: { seats: 1, ask: () => ({ memberId: randomUUID(), startsAt: at(TUESDAY, '10:00') }) },
};

describe('every answer under an idempotency key is final', () => {
  it('binds a key refused 409 already_booked to its request: another body under it is 422, the first gets 409 again', async () => {
    for (const channel of ['bookings', 'sessions'] as Channel[]) {
      await arrange(3);
      const ask = channels[channel];
      const held = await channels.bookings(w.coach.actor, { memberId: m(0).user.memberId!, startsAt: at(TUESDAY, '11:00') }, key());
      const k2 = key();
      const forM0 = { memberId: m(0).user.memberId!, startsAt: at(TUESDAY, '11:00') };
      const forM1 = { memberId: m(1).user.memberId!, startsAt: at(TUESDAY, '11:00') };
      expect(await failure(ask(w.coach.actor, forM0, k2))).toMatchObject({ status: 409, code: 'already_booked' });
      const before = await counts(db);
      expect(await failure(ask(w.coach.actor, forM1, k2))).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
      // The seat frees up: the recorded refusal is still the answer (a new key asks again).
      await core.bookings.cancel(w.coach.actor, held.id);
      const after = await counts(db);
      expect(await failure(ask(w.coach.actor, forM0, k2))).toMatchObject({ status: 409, code: 'already_booked' });
      expect(await counts(db)).toEqual(after);
      expect(after.keys).toBe(before.keys);
      await expect(ask(w.coach.actor, forM0, key())).resolves.toBeDefined();
    }
  });

  it('records a refusal with its key and nothing else; retries, also concurrent ones, get the same answer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(refusals)), fc.constantFrom<Channel>('bookings', 'sessions'), async (code, channel) => {
        const scenario = refusals[code]!;
        await arrange(scenario.seats);
        await scenario.before?.();
        const ask = channels[channel];
        const request = scenario.ask();
        const before = await counts(db);
        const k = key();
        const [first, twin] = await Promise.all([failure(ask(w.coach.actor, request, k)), failure(ask(w.coach.actor, request, k))]);
        const answer = { status: first.status, code: first.code, message: first.message, details: first.details };
        expect(answer.code).toBe(code);
        expect({ status: twin.status, code: twin.code, message: twin.message, details: twin.details }).toEqual(answer);
        const recorded = await counts(db);
        // A slot_full booking keeps its rejected booking and tells the member (docs/properties.md, Property 48); any
        // other refusal writes the key row alone.
        const extra = code === 'slot_full' && channel === 'bookings' ? { bookings: before.bookings + 1, notifications: before.notifications + 1 } : {};
        expect(recorded).toEqual({ ...before, keys: before.keys + 1, ...extra });
        const again = await failure(ask(w.coach.actor, request, k));
        expect({ status: again.status, code: again.code, message: again.message, details: again.details }).toEqual(answer);
        const other = await failure(ask(w.coach.actor, { memberId: m(2).user.memberId!, startsAt: at(TUESDAY, '15:00') }, k));
        expect(other).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
        expect(await counts(db)).toEqual(recorded);
      }),
      { numRuns: 100 },
    );
  });
});
