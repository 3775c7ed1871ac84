import fc from 'fast-check';
import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAvailabilityService, minutesToClock, type Slot } from '../../src/core/availability/index.ts';
import { DEFAULT_CORE_CONFIG, ManualClock, NotFoundError } from '../../src/core/index.ts';
import { insertSession } from '../../src/core/sessions/records.ts';
import { createDb } from '../../src/db/client.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { countStatements } from '../helpers/statements.ts';
import { clearCoach, coachWorld, resetCoach, failure, HOUR, MINUTE, type CoachWorld, type WindowRow } from './bookings.fixtures.ts';

const { db, core, clock, databaseUrl } = await setupCore();
let w: CoachWorld;

beforeAll(async () => {
  w = await coachWorld(db);
});

const coachId = () => w.coach.user.id;
const toMinutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
// TEST_EPOCH is Monday 2030-01-07 09:00 UTC; Tuesday and Wednesday follow.
const DATES = ['2030-01-08', '2030-01-09'] as const;

async function setZone(timezone: string) {
  await db.coachProfile.update({ where: { userId: coachId() }, data: { timezone } });
}

/** Sessions written directly (arrangement): each occupies the coach from `at` for `duration` minutes. */
async function seedSessions(sessions: { at: number; duration: number }[]) {
  // Each insert is one statement: no interactive transaction whose timeout a loaded machine could outrun.
  for (const s of sessions) {
    await insertSession(db, {
      memberProfileId: w.members[0]!.user.memberId!,
      memberUserId: w.members[0]!.user.id,
      coachUserId: coachId(),
      scheduledAt: new Date(s.at),
      duration: s.duration,
      type: 'regular',
      notify: 'session.created',
    }, TEST_EPOCH);
  }
}

async function arrange(zone: string, windows: WindowRow[], sessions: { at: number; duration: number }[] = []) {
  clock.set(TEST_EPOCH);
  await resetCoach(db, coachId(), windows);
  await setZone(zone);
  await seedSessions(sessions);
}

const list = (startDate: string, endDate: string, duration = 60) => core.availability.listSlots(undefined, { coachId: coachId(), startDate, endDate, duration });
const startOf = (s: Slot) => Date.parse(s.startsAt);

const spanArb = fc
  .tuple(fc.integer({ min: 24, max: 60 }), fc.integer({ min: 2, max: 24 }))
  .map(([from, length]) => ({ startTime: minutesToClock(from * 15), endTime: minutesToClock(Math.min(96, from + length) * 15) }));
const sessionArb = fc.record({
  day: fc.integer({ min: 0, max: 1 }),
  quarter: fc.integer({ min: 24, max: 80 }),
  duration: fc.constantFrom(30, 60, 90),
  copies: fc.integer({ min: 1, max: 2 }),
});

describe('available slots', () => {
  // Feature: coaching-platform, Property 15: Available Slot Calculation
  it('Property 15: for any coach availability and date range, the calculated slots respect session duration, buffer time, and exclude times with existing bookings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(spanArb, { minLength: 1, maxLength: 2 }),
        fc.array(sessionArb, { maxLength: 4 }),
        fc.constantFrom(30, 60, 90),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 3 }),
        async (spans, sessions, duration, buffer, seats) => {
          // Tuesday gets the first span, Wednesday the second (or the first again).
          const windows = DATES.map((_, i) => ({ dayOfWeek: 2 + i, ...(spans[i] ?? spans[0]!), maxSessionsPerSlot: seats, bufferMinutes: buffer }));
          const busy = sessions.flatMap((s) =>
            Array.from({ length: s.copies }, () => ({ at: Date.parse(`${DATES[s.day]}T00:00:00Z`) + s.quarter * 15 * MINUTE, duration: s.duration })),
          );
          await arrange('UTC', windows, busy);
          const slots = await list(DATES[0], DATES[1], duration);

          // An independent reading of the rule for a UTC coach.
          const expected: string[] = [];
          for (const [i, date] of DATES.entries()) {
            const win = windows[i]!;
            for (let t = toMinutes(win.startTime); t + duration <= toMinutes(win.endTime); t += duration) {
              const start = Date.parse(`${date}T00:00:00Z`) + t * MINUTE;
              const end = start + duration * MINUTE;
              const same = busy.filter((b) => b.at === start && b.duration === duration).length;
              const clash = busy.some(
                (b) => !(b.at === start && b.duration === duration) && b.at - buffer * MINUTE < end && b.at + (b.duration + buffer) * MINUTE > start,
              );
              if (!clash && same < seats) expected.push(`${date} ${minutesToClock(t)} ${seats - same}/${seats}`);
            }
          }
          expect(slots.map((s) => `${s.date} ${s.time} ${s.availableCapacity}/${s.maxCapacity}`)).toEqual(expected);
          for (const s of slots) expect(s.duration).toBe(duration);
        },
      ),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 23: Available Slots Within Availability
  it("Property 23: for any coach and date range, all returned available slots fall within the coach's defined availability schedule", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'America/Santiago', 'Asia/Kolkata'),
        fc.array(fc.record({ dayOfWeek: fc.integer({ min: 0, max: 6 }), span: spanArb }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 10 }),
        fc.constantFrom(30, 45, 60),
        async (zone, picks, startOffset, length, duration) => {
          // One window per weekday (the first pick wins), so none overlap.
          const byDay = new Map<number, WindowRow>();
          for (const p of picks) if (!byDay.has(p.dayOfWeek)) byDay.set(p.dayOfWeek, { dayOfWeek: p.dayOfWeek, ...p.span });
          await arrange(zone, [...byDay.values()]);
          const first = DateTime.fromISO('2030-01-08', { zone: 'UTC' }).plus({ days: startOffset });
          const slots = await list(first.toISODate()!, first.plus({ days: length }).toISODate()!, duration);
          for (const s of slots) {
            const local = DateTime.fromMillis(startOf(s), { zone });
            expect(local.toFormat('yyyy-MM-dd HH:mm')).toBe(`${s.date} ${s.time}`);
            const win = byDay.get(local.weekday % 7);
            expect(win, `${s.date} ${s.time} ${zone}`).toBeDefined();
            expect(toMinutes(s.time)).toBeGreaterThanOrEqual(toMinutes(win!.startTime));
            expect(toMinutes(s.time) + duration).toBeLessThanOrEqual(toMinutes(win!.endTime));
            expect(startOf(s)).toBeGreaterThanOrEqual(clock.now().getTime() + DEFAULT_CORE_CONFIG.bookingMinNoticeMinutes * MINUTE);
            expect(startOf(s)).toBeLessThanOrEqual(clock.now().getTime() + DEFAULT_CORE_CONFIG.bookingHorizonDays * 24 * HOUR);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 24: Available Slots Capacity Filter
  it('Property 24: for any coach and date range, returned available slots exclude any slots that have reached maxSessionsPerSlot capacity', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ hour: fc.integer({ min: 9, max: 16 }), taken: fc.integer({ min: 1, max: 4 }) }), { maxLength: 5 }),
        async (seats, fills) => {
          const taken = new Map<number, number>();
          for (const f of fills) taken.set(f.hour, Math.min(seats, f.taken));
          const busy = [...taken].flatMap(([hour, n]) => Array.from({ length: n }, () => ({ at: Date.parse(`${DATES[0]}T00:00:00Z`) + hour * HOUR, duration: 60 })));
          await arrange('UTC', [{ dayOfWeek: 2, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: seats }], busy);
          const slots = await list(DATES[0], DATES[0]);
          for (let hour = 9; hour < 17; hour++) {
            const slot = slots.find((s) => s.time === minutesToClock(hour * 60));
            const n = taken.get(hour) ?? 0;
            if (n >= seats) expect(slot).toBeUndefined();
            else expect(slot).toMatchObject({ maxCapacity: seats, availableCapacity: seats - n });
          }
          for (const s of slots) expect(s.availableCapacity).toBeGreaterThan(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 25: Available Slots Buffer Filter
  it('Property 25: for any coach with buffer time B minutes and existing bookings, returned slots exclude times within B minutes before or after existing bookings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 90 }),
        fc.array(fc.record({ minute: fc.integer({ min: 8 * 60, max: 17 * 60 }), duration: fc.constantFrom(30, 60, 90) }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(30, 60),
        async (buffer, sessions, duration) => {
          const busy = sessions.map((s) => ({ at: Date.parse(`${DATES[0]}T00:00:00Z`) + s.minute * MINUTE, duration: s.duration }));
          await arrange('UTC', [{ dayOfWeek: 2, startTime: '07:00', endTime: '19:00', maxSessionsPerSlot: 3, bufferMinutes: buffer }], busy);
          const slots = await list(DATES[0], DATES[0], duration);
          for (const s of slots) {
            const start = startOf(s);
            const end = start + duration * MINUTE;
            for (const b of busy) {
              if (b.at === start && b.duration === duration) continue;
              const clear = end + buffer * MINUTE <= b.at || b.at + (b.duration + buffer) * MINUTE <= start;
              expect(clear, `${s.time} vs session at ${new Date(b.at).toISOString()}`).toBe(true);
            }
          }
          // Sessions that are not in the way do not hide slots: with the sessions gone, more (or as many) slots show.
          await clearCoach(db, coachId());
          expect((await list(DATES[0], DATES[0], duration)).length).toBeGreaterThanOrEqual(slots.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('hides slots in the past, closer than the minimum notice, or beyond the horizon', async () => {
    await arrange('UTC', [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '08:00', endTime: '12:00' })));
    clock.set(Date.parse('2030-01-08T09:30:00Z'));
    const today = await list('2030-01-08', '2030-01-08');
    // 09:00 has started, 10:00 is within the hour of notice; 11:00 is the first bookable.
    expect(today.map((s) => s.time)).toEqual(['11:00']);
    const far = await list('2030-04-05', '2030-04-12');
    const horizon = clock.now().getTime() + DEFAULT_CORE_CONFIG.bookingHorizonDays * 24 * HOUR;
    expect(far.length).toBeGreaterThan(0);
    expect(far.every((s) => startOf(s) <= horizon)).toBe(true);
    expect(far.some((s) => s.date === '2030-04-12')).toBe(false);
  });

  it('answers 404 for a coach that does not exist', async () => {
    expect(await failure(core.availability.listSlots(undefined, { coachId: w.members[0]!.user.id, startDate: '2030-01-08', endDate: '2030-01-09' }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it('costs the same fixed number of queries (one) for a day or for 90 days with hundreds of sessions', async () => {
    await arrange('Europe/Berlin', [1, 2, 3, 4, 5].map((dayOfWeek) => ({ dayOfWeek, startTime: '08:00', endTime: '18:00', maxSessionsPerSlot: 3 })));
    const many: { at: number; duration: number }[] = [];
    for (let i = 0; i < 300; i++) many.push({ at: Date.parse('2030-01-08T08:00:00Z') + (i % 80) * 24 * HOUR + (i % 9) * HOUR, duration: 60 });
    await seedSessions(many);

    // A client of its own whose every SQL statement is counted, through Prisma or raw alike.
    const counted = createDb(databaseUrl, { max: 2 });
    const statements = countStatements(counted);
    try {
      const availability = createAvailabilityService({ db: counted, clock: new ManualClock(TEST_EPOCH), config: DEFAULT_CORE_CONFIG });
      const measure = async (endDate: string) => {
        statements.reset();
        const slots = await availability.listSlots(undefined, { coachId: coachId(), startDate: '2030-01-08', endDate, duration: 60 });
        return { statements: statements.count(), slots: slots.length };
      };
      const day = await measure('2030-01-08');
      const quarter = await measure('2030-04-07');
      expect(quarter.slots).toBeGreaterThan(day.slots * 30);
      expect(day.statements).toBe(1);
      expect(quarter.statements).toBe(day.statements);
    } finally {
      await counted.$disconnect();
    }
  });
});
