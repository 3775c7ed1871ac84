import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CORE_CONFIG } from '../../src/core/index.ts';
import { settleWaitlist } from '../../src/core/waitlist/index.ts';
import { setupCore } from '../helpers/core.ts';
import { coachWorld, key, MINUTE, resetCoach, type CoachWorld } from './bookings.fixtures.ts';

// Issue 29's invariants (docs/design.md §11), over random sequences of bookings, cancellations,
// joins, leaves, passes, claims and ticks, some of them racing each other:
// - confirmed seats + held seats <= capacity, always;
// - offers go in join order, and no seat idles while someone waits;
// - every offer is told once, and every offer that ends without its member acting (expired,
//   closed) is told once, never past the slot's minimum-notice moment.

const { db, core, clock } = await setupCore();
const config = DEFAULT_CORE_CONFIG;
const w: CoachWorld = await coachWorld(db, { members: 4, timezone: 'UTC' });
const coachId = w.coach.user.id;
const SLOT = new Date('2030-01-08T10:00:00Z');
const CLOSING = SLOT.getTime() - config.bookingMinNoticeMinutes * MINUTE;

type Op =
  | { kind: 'book' | 'cancel' | 'join' | 'leave' | 'pass' | 'claim'; who: number }
  | { kind: 'tick'; minutes: number };

const who = fc.integer({ min: 0, max: 3 });
const act = (kind: Exclude<Op['kind'], 'tick'>) => who.map((w): Op => ({ kind, who: w }));
// Weighted towards what makes offers: members joining the line and seats being cancelled.
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: act('join'), weight: 4 },
  { arbitrary: act('cancel'), weight: 3 },
  { arbitrary: act('claim'), weight: 3 },
  { arbitrary: act('book'), weight: 2 },
  { arbitrary: act('pass'), weight: 1 },
  { arbitrary: act('leave'), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 25 }).map((minutes): Op => ({ kind: 'tick', minutes })), weight: 2 },
);

async function entryOf(who: number) {
  return db.waitlistEntry.findFirst({ where: { memberId: w.members[who]!.user.memberId!, status: { in: ['waiting', 'offered'] } }, orderBy: { seq: 'desc' } });
}

async function run(o: Op): Promise<void> {
  if (o.kind === 'tick') {
    clock.set(clock.now().getTime() + o.minutes * MINUTE);
    await settleWaitlist({ db, clock, config });
    return;
  }
  const p = w.members[o.who]!;
  const memberId = p.user.memberId!;
  // Refusals are part of the game: only the invariants must hold.
  const attempt = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (error) {
      // A domain refusal (a 4xx) is an answer; anything else is a defect.
      const status = (error as { status?: unknown }).status;
      if (typeof status !== 'number' || status >= 500) throw error;
    }
  };
  switch (o.kind) {
    case 'book':
      return attempt(() => core.bookings.create(p.actor, { memberId, coachId, startsAt: SLOT, duration: 60 }, key()));
    case 'cancel': {
      const b = await db.sessionBooking.findFirst({ where: { memberId, status: 'confirmed' } });
      return b ? attempt(() => core.bookings.cancel(p.actor, b.id)) : undefined;
    }
    case 'join':
      return attempt(() => core.waitlist.join(p.actor, { coachId, startsAt: SLOT }));
    default: {
      const e = await entryOf(o.who);
      if (!e) return;
      if (o.kind === 'leave') return attempt(() => core.waitlist.leave(p.actor, e.id));
      if (o.kind === 'pass') return attempt(() => core.waitlist.pass(p.actor, e.id));
      return attempt(() => core.waitlist.claim(p.actor, e.id, key()));
    }
  }
}

async function checkInvariants(seats: number): Promise<void> {
  const [taken, entries, offered, ended] = await Promise.all([
    db.session.count({ where: { coachId, scheduledAt: SLOT, status: { not: 'cancelled' } } }),
    db.waitlistEntry.findMany({ where: { coachId }, orderBy: { seq: 'asc' } }),
    db.notification.findMany({ where: { type: 'waitlist.offered' } }),
    db.notification.findMany({ where: { type: 'waitlist.ended' } }),
  ]);
  const held = entries.filter((e) => e.status === 'offered');
  const waiting = entries.filter((e) => e.status === 'waiting');
  expect(taken + held.length).toBeLessThanOrEqual(seats);
  // Join order: nobody waiting joined before someone holding a seat.
  for (const h of held) for (const e of waiting) expect(h.seq).toBeLessThan(e.seq);
  // No seat idles while someone waits (before the line closes).
  if (waiting.length > 0 && clock.now().getTime() < CLOSING) expect(taken + held.length).toBe(seats);
  for (const e of entries) {
    const offers = offered.filter((n) => (n.payload as { entryId: string }).entryId === e.id);
    expect(offers).toHaveLength(e.offeredAt ? 1 : 0);
    if (e.holdUntil) expect(e.holdUntil.getTime()).toBeLessThanOrEqual(CLOSING);
    const endings = ended.filter((n) => (n.payload as { entryId: string }).entryId === e.id);
    expect(endings.map((n) => (n.payload as { outcome: string }).outcome)).toEqual(e.status === 'expired' || e.status === 'closed' ? [e.status] : []);
  }
}

describe('waitlist invariants (Property 64)', () => {
  // Feature: coaching-platform, Property 64: Waitlist Holds and Offers
  it('holds across random sequences, some steps racing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 30, max: 150 }),
        fc.array(fc.oneof(op.map((o) => [o]), fc.tuple(op, op)), { minLength: 4, maxLength: 14 }),
        async (seats, minutesBeforeClosing, steps) => {
          clock.set(CLOSING - minutesBeforeClosing * MINUTE);
          await db.waitlistEntry.deleteMany({});
          await db.notification.deleteMany({});
          await resetCoach(db, coachId, [{ dayOfWeek: 2, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: seats }]);
          // Full to start with, so that the line has something to wait for.
          for (let i = 0; i < seats; i++) await run({ kind: 'book', who: i });
          for (const step of steps) {
            await Promise.all(step.map(run));
            await checkInvariants(seats);
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 600_000);
});
