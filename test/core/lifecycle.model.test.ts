import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, UnprocessableError, ValidationError } from '../../src/core/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { clearCoach, setWindows } from './bookings.fixtures.ts';
import { HOUR, MINUTE, party, type Party } from './sessions.fixtures.ts';

// A model-based test of the whole session lifecycle: fast-check drives random sequences of
// bookings, hand-made sessions, reschedules, completions, cancellations, no-shows, ratings and the
// passing of time against the real services and PostgreSQL, predicts each outcome from a small
// model, and checks every invariant after each step.

const ctx = await setupCore();
const { db, core, clock } = ctx;

const CAPACITY = 2;
/** Candidate slot starts, hours after the epoch: few, so seats run out and times pass. */
const SLOT_HOURS = [3, 5, 8, 30];
const slotAt = (i: number) => TEST_EPOCH.getTime() + (SLOT_HOURS[i] as number) * HOUR;
const MIN_NOTICE = 60 * MINUTE;

let coach: Party;
let members: Party[];

beforeAll(async () => {
  coach = await party(db, 'Coach');
  members = [];
  for (let i = 0; i < 3; i++) members.push(await party(db, 'Member', { coachId: coach.user.id }));
  await setWindows(db, coach.user.id, [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: CAPACITY, bufferMinutes: 0 })));
});

type Status = 'scheduled' | 'completed' | 'cancelled' | 'no_show';

interface ModelSession {
  id: string;
  member: number;
  startsAt: number;
  status: Status;
  rated: boolean;
  sequence: number;
  booked: boolean;
}

interface Model {
  now: number;
  sessions: ModelSession[];
}

type Real = Record<string, never>;

type Expected = { ok: true } | { error: typeof ValidationError | typeof ConflictError | typeof UnprocessableError; code: string };

async function outcome(call: () => Promise<unknown>): Promise<{ ok: true } | { error: Error & { code?: string } }> {
  try {
    await call();
    return { ok: true };
  } catch (error) {
    return { error: error as Error & { code?: string } };
  }
}

function expectOutcome(got: Awaited<ReturnType<typeof outcome>>, expected: Expected, what: string) {
  if ('ok' in expected) {
    if ('error' in got) throw new Error(`${what}: expected success, got ${got.error.name} ${got.error.code}: ${got.error.message}`);
    return;
  }
  if (!('error' in got)) throw new Error(`${what}: expected ${expected.code}, but it succeeded`);
  expect(got.error, what).toBeInstanceOf(expected.error);
  expect(got.error.code, what).toBe(expected.code);
}

const seatsTaken = (m: Model, startsAt: number, except?: string) =>
  m.sessions.filter((s) => s.startsAt === startsAt && s.status !== 'cancelled' && s.id !== except).length;

/** The booking rule as the model sees it: notice first, then the member's own seat, then seats. */
function bookability(m: Model, startsAt: number, member: number, except?: string): Expected {
  if (startsAt < m.now + MIN_NOTICE) return { error: UnprocessableError, code: 'booking_too_soon' };
  const holds = m.sessions.some((s) => s.member === member && s.startsAt === startsAt && s.status !== 'cancelled' && s.id !== except);
  if (holds) return { error: ConflictError, code: 'already_booked' };
  if (seatsTaken(m, startsAt, except) >= CAPACITY) return { error: ConflictError, code: 'slot_full' };
  return { ok: true };
}

const invalidState: Expected = { error: ValidationError, code: 'invalid_state' };
const notStarted: Expected = { error: ValidationError, code: 'session_not_started' };
const alreadyStarted: Expected = { error: ValidationError, code: 'session_started' };

/** Every invariant, read back from the database after each command. */
async function checkInvariants(m: Model) {
  const rows = await db.session.findMany({ where: { coachId: coach.user.id }, include: { calendarEvent: true, booking: true } });
  expect(rows).toHaveLength(m.sessions.length);
  const events = await db.calendarEvent.count({ where: { creatorId: coach.user.id } });
  expect(events, 'one calendar event per session').toBe(rows.length);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const s of m.sessions) {
    const row = byId.get(s.id);
    if (!row) throw new Error(`session ${s.id} missing`);
    expect(row.status, 'status follows the model').toBe(s.status);
    expect(row.scheduledAt.getTime()).toBe(s.startsAt);
    expect(row.calendarEvent.startsAt.getTime(), 'event time matches the session').toBe(s.startsAt);
    expect(row.calendarEvent.endsAt.getTime()).toBe(s.startsAt + row.duration * MINUTE);
    expect(row.calendarEvent.status === 'cancelled', 'event cancelled iff session cancelled').toBe(s.status === 'cancelled');
    expect(row.calendarEvent.sequence, 'SEQUENCE counts the changes').toBe(s.sequence);
    expect(row.rating !== null, 'rated iff the model rated it').toBe(s.rated);
    if (row.rating !== null) expect(row.status, 'ratings only on completed sessions').toBe('completed');
    if (row.status === 'completed') expect(row.completedAt).not.toBeNull();
    if (s.booked) {
      expect(row.booking?.status).toBe(s.status === 'cancelled' ? 'cancelled' : 'confirmed');
      if (s.status !== 'cancelled') expect(row.booking?.slotStartsAt.getTime(), 'a booking follows its session').toBe(s.startsAt);
    }
  }
  const seats = new Map<number, number>();
  for (const r of rows) if (r.status !== 'cancelled') seats.set(r.scheduledAt.getTime(), (seats.get(r.scheduledAt.getTime()) ?? 0) + 1);
  for (const taken of seats.values()) expect(taken, 'seats never above capacity').toBeLessThanOrEqual(CAPACITY);
  const held = rows.filter((r) => r.status !== 'cancelled').map((r) => `${r.memberId}/${r.scheduledAt.getTime()}`);
  expect(new Set(held).size, 'a member never holds two seats of a slot').toBe(held.length);
  const pendingReminders = await db.notification.count({
    where: { status: 'pending', type: 'session.reminder', userId: coach.user.id },
  });
  const scheduled = m.sessions.filter((s) => s.status === 'scheduled').length;
  expect(pendingReminders, 'two coach reminders per scheduled session, none for others').toBe(2 * scheduled);
}

class Book implements fc.AsyncCommand<Model, Real> {
  constructor(readonly member: number, readonly slot: number, readonly via: 'booking' | 'session') {}
  check = () => true;
  async run(m: Model) {
    const startsAt = slotAt(this.slot);
    const expected = bookability(m, startsAt, this.member);
    const who = members[this.member] as Party;
    let id: string | undefined;
    const got = await outcome(async () => {
      if (this.via === 'booking') {
        const iso = new Date(startsAt).toISOString();
        const booking = await core.bookings.create(
          who.actor,
          { memberId: who.user.memberId as string, coachId: coach.user.id, requestedDate: iso.slice(0, 10), requestedTime: iso.slice(11, 16), duration: 60 },
          randomUUID(),
        );
        id = booking.sessionId ?? undefined;
      } else {
        id = (await core.sessions.create(coach.actor, { memberId: who.user.memberId as string, coachId: coach.user.id, scheduledAt: new Date(startsAt), duration: 60, type: 'regular' })).id;
      }
    });
    expectOutcome(got, expected, this.toString());
    if ('ok' in expected && id) m.sessions.push({ id, member: this.member, startsAt, status: 'scheduled', rated: false, sequence: 0, booked: this.via === 'booking' });
    await checkInvariants(m);
  }
  toString = () => `book(member ${this.member}, slot ${this.slot}, via ${this.via})`;
}

/** Commands on an existing session pick it by index modulo the sessions made so far. */
abstract class OnSession implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.sessions.length > 0;
  session(m: Model): ModelSession {
    return m.sessions[this.pick % m.sessions.length] as ModelSession;
  }
  abstract run(m: Model): Promise<void>;
}

class Reschedule extends OnSession {
  constructor(pick: number, readonly slot: number, readonly byMember: boolean) {
    super(pick);
  }
  async run(m: Model) {
    const s = this.session(m);
    const startsAt = slotAt(this.slot);
    const same = startsAt === s.startsAt;
    // A member moves a session only before it starts, as they cancel it.
    const expected: Expected =
      s.status !== 'scheduled'
        ? invalidState
        : this.byMember && m.now >= s.startsAt
          ? alreadyStarted
          : same
            ? { ok: true }
            : bookability(m, startsAt, s.member, s.id);
    const actor = this.byMember ? (members[s.member] as Party).actor : coach.actor;
    expectOutcome(await outcome(() => core.sessions.reschedule(actor, s.id, { scheduledAt: new Date(startsAt) })), expected, this.toString());
    if ('ok' in expected && !same) {
      s.startsAt = startsAt;
      s.sequence++;
    }
    await checkInvariants(m);
  }
  override toString = () => `reschedule(#${this.pick}, slot ${this.slot}, by ${this.byMember ? 'member' : 'coach'})`;
}

class Complete extends OnSession {
  async run(m: Model) {
    const s = this.session(m);
    const expected = s.status !== 'scheduled' ? invalidState : m.now < s.startsAt ? notStarted : { ok: true as const };
    expectOutcome(await outcome(() => core.sessions.complete(coach.actor, s.id, { coachNotes: 'done' })), expected, this.toString());
    if ('ok' in expected) s.status = 'completed';
    await checkInvariants(m);
  }
  override toString = () => `complete(#${this.pick})`;
}

class Cancel extends OnSession {
  constructor(pick: number, readonly byMember: boolean) {
    super(pick);
  }
  async run(m: Model) {
    const s = this.session(m);
    const expected = s.status !== 'scheduled' ? invalidState : this.byMember && m.now >= s.startsAt ? alreadyStarted : { ok: true as const };
    const actor = this.byMember ? (members[s.member] as Party).actor : coach.actor;
    expectOutcome(await outcome(() => core.sessions.cancel(actor, s.id, { reason: 'model' })), expected, this.toString());
    if ('ok' in expected) {
      s.status = 'cancelled';
      s.sequence++;
    }
    await checkInvariants(m);
  }
  override toString = () => `cancel(#${this.pick}, by ${this.byMember ? 'member' : 'coach'})`;
}

class NoShow extends OnSession {
  constructor(pick: number, readonly party: 'member' | 'coach') {
    super(pick);
  }
  async run(m: Model) {
    const s = this.session(m);
    const expected = s.status !== 'scheduled' ? invalidState : m.now < s.startsAt ? notStarted : { ok: true as const };
    expectOutcome(await outcome(() => core.sessions.markNoShow(coach.actor, s.id, { party: this.party })), expected, this.toString());
    if ('ok' in expected) s.status = 'no_show';
    await checkInvariants(m);
  }
  override toString = () => `noShow(#${this.pick}, ${this.party})`;
}

class Rate extends OnSession {
  constructor(pick: number, readonly rating: number) {
    super(pick);
  }
  async run(m: Model) {
    const s = this.session(m);
    const expected: Expected = s.status !== 'completed' ? invalidState : s.rated ? { error: ConflictError, code: 'already_rated' } : { ok: true };
    const member = members[s.member] as Party;
    expectOutcome(await outcome(() => core.sessions.rate(member.actor, s.id, { rating: this.rating })), expected, this.toString());
    if ('ok' in expected) s.rated = true;
    await checkInvariants(m);
  }
  override toString = () => `rate(#${this.pick}, ${this.rating})`;
}

class TimePasses implements fc.AsyncCommand<Model, Real> {
  constructor(readonly hours: number) {}
  check = () => true;
  async run(m: Model) {
    m.now += this.hours * HOUR;
    clock.set(m.now);
  }
  toString = () => `timePasses(${this.hours}h)`;
}

describe('session lifecycle state machine', () => {
  it('keeps status, seats, calendar events and ratings consistent with the model under any sequence of operations', async () => {
    const slot = fc.integer({ min: 0, max: SLOT_HOURS.length - 1 });
    const pick = fc.nat({ max: 20 });
    const commands = [
      fc.tuple(fc.integer({ min: 0, max: 2 }), slot, fc.constantFrom<'booking' | 'session'>('booking', 'session')).map(([m, s, v]) => new Book(m, s, v)),
      fc.tuple(fc.integer({ min: 0, max: 2 }), slot).map(([m, s]) => new Book(m, s, 'booking')),
      fc.tuple(pick, slot, fc.boolean()).map(([p, s, b]) => new Reschedule(p, s, b)),
      pick.map((p) => new Complete(p)),
      fc.tuple(pick, fc.boolean()).map(([p, b]) => new Cancel(p, b)),
      fc.tuple(pick, fc.constantFrom<'member' | 'coach'>('member', 'coach')).map(([p, party]) => new NoShow(p, party)),
      fc.tuple(pick, fc.integer({ min: 1, max: 5 })).map(([p, r]) => new Rate(p, r)),
      fc.integer({ min: 1, max: 12 }).map((h) => new TimePasses(h)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), async (cmds) => {
        await clearCoach(db, coach.user.id);
        await db.notification.deleteMany({ where: { userId: coach.user.id } });
        clock.set(TEST_EPOCH);
        const model: Model = { now: TEST_EPOCH.getTime(), sessions: [] };
        await fc.asyncModelRun(() => ({ model, real: {} }), cmds);
      }),
      { numRuns: 100 },
    );
  });
});
