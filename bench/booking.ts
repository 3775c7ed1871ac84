import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { grantRoleDefaults } from '../src/core/access/index.ts';
import { createAccessService } from '../src/core/access/service.ts';
import { createAvailabilityService } from '../src/core/availability/index.ts';
import { createBookingsService } from '../src/core/bookings/index.ts';
import { ManualClock, type Actor, type CoreConfig } from '../src/core/index.ts';
import { createDb, type Db } from '../src/db/client.ts';
import type { RoleName } from '../src/core/index.ts';
import { benchDatabase } from './database.ts';
import { median, type Benchmark, type Measurement } from './measure.ts';

// Booking throughput against what PostgreSQL itself allows for a serialised write: 16 clients book
// one coach's week (every booking takes that coach's lock, as every baseline transaction takes one
// row's lock), so both sides queue on one lock and the ratio shows what our transaction costs
// beyond the minimum. Listing: 90 days of a busy coach, as a multiple of one round trip.

const CLIENTS = 16;
const RUN_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const WARMUP_MS = 1000;
const SEATS = 100;
const START = new Date('2031-03-03T00:00:00Z'); // a Monday
/** Bookings per second as a share of the baseline's transactions, and the listing in round trips. */
const BOOKING_GOAL = 0.6;
const LISTING_GOAL = 10;
const CONFIG: CoreConfig = { bookingMinNoticeMinutes: 0, waitlistClaimMinutes: 15, bookingHorizonDays: 120 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function makeUser(db: Db, role: RoleName, extra: { coachId?: string } = {}) {
  return db.$transaction(async (tx) => {
    const user = await tx.user.create({ data: { name: `${role} ${randomUUID().slice(0, 6)}`, role } });
    await grantRoleDefaults(tx, user.id, role);
    const member = role === 'Member' ? await tx.memberProfile.create({ data: { userId: user.id, coachId: extra.coachId ?? null } }) : null;
    if (role === 'Coach') await tx.coachProfile.create({ data: { userId: user.id, timezone: 'UTC' } });
    return { id: user.id, memberId: member?.id ?? '' };
  });
}

/** Runs `op` from `clients` concurrent loops for `ms`; returns completed operations per second. */
async function throughput(clients: number, ms: number, op: (client: number, i: number) => Promise<void>): Promise<number> {
  let done = 0;
  let stop = false;
  const started = performance.now();
  const loops = Array.from({ length: clients }, async (_, client) => {
    for (let i = 0; !stop; i++) {
      await op(client, i);
      done++;
    }
  });
  await sleep(ms);
  stop = true;
  await Promise.all(loops);
  return done / ((performance.now() - started) / 1000);
}

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function bookingRun(): Promise<Measurement> {
  const database = await benchDatabase();
  const db = createDb(database.url, { max: CLIENTS + 2 });
  const pool = new pg.Pool({ connectionString: database.url, max: CLIENTS });
  // As createDb's pool does: an idle connection the server ends (another run's cleanup) must not end the bench.
  pool.on('error', () => undefined);
  try {
    const clock = new ManualClock(START.getTime() - 3_600_000);
    const deps = { db, clock, config: CONFIG };
    const bookings = createBookingsService(deps);
    const access = createAccessService(db);

    // One coach open around the clock every day with many seats, one member per client.
    const coach = await makeUser(db, 'Coach');
    await db.coachAvailability.createMany({
      data: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ coachId: coach.id, dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: SEATS, bufferMinutes: 0 })),
    });
    // A member holds at most one seat of a slot: each lap over the week's slots books for a member
    // of its own (the 16 clients share it), enough laps to fill every seat.
    const slotsOfWeek = 7 * 24;
    const members: { memberId: string; actor: Actor }[] = [];
    for (let i = 0; i < SEATS; i++) {
      const m = await makeUser(db, 'Member', { coachId: coach.id });
      members.push({ memberId: m.memberId, actor: await access.actorFor(m.id) });
    }
    // A second coach, the same, who requires credits (docs/design.md §12): each member holds plenty,
    // so every booking also reserves one under the lock.
    const creditsCoach = await makeUser(db, 'Coach');
    await db.coachProfile.update({ where: { userId: creditsCoach.id }, data: { requiresCredits: true } });
    await db.coachAvailability.createMany({
      data: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ coachId: creditsCoach.id, dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: SEATS, bufferMinutes: 0 })),
    });
    const creditMembers: { memberId: string; actor: Actor }[] = [];
    for (let i = 0; i < SEATS; i++) {
      const m = await makeUser(db, 'Member', { coachId: creditsCoach.id });
      const grantId = randomUUID();
      await db.creditEntry.create({ data: { id: grantId, grantId, memberId: m.memberId, coachId: creditsCoach.id, kind: 'grant', amount: 100_000, at: clock.now() } });
      creditMembers.push({ memberId: m.memberId, actor: await access.actorFor(m.id) });
    }
    const booker = (coachId: string, who: { memberId: string; actor: Actor }[]) => {
      let next = 0;
      return async () => {
        const i = next++;
        const slot = i % slotsOfWeek;
        const at = new Date(START.getTime() + slot * 3_600_000);
        const member = who[Math.floor(i / slotsOfWeek) % SEATS]!;
        await bookings.create(
          member.actor,
          { memberId: member.memberId, coachId, requestedDate: at.toISOString().slice(0, 10), requestedTime: at.toISOString().slice(11, 16), duration: 60 },
          randomUUID(),
        );
      };
    };
    const book = booker(coach.id, members);
    const bookWithCredits = booker(creditsCoach.id, creditMembers);

    // The baseline: what pgbench's TPC-B-like script does at scale 1 (every client locks the same
    // row), with the same number of clients, on the same database.
    await pool.query('CREATE TABLE bench_counter (id int PRIMARY KEY, n bigint NOT NULL)');
    await pool.query('CREATE TABLE bench_history (id bigserial PRIMARY KEY, n bigint NOT NULL, at timestamptz NOT NULL DEFAULT now())');
    await pool.query('INSERT INTO bench_counter VALUES (1, 0)');
    const plain = async () => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const { rows } = await c.query<{ n: string }>('SELECT n FROM bench_counter WHERE id = 1 FOR UPDATE');
        await c.query('UPDATE bench_counter SET n = n + 1 WHERE id = 1');
        await c.query('INSERT INTO bench_history (n) VALUES ($1)', [rows[0]!.n]);
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    };

    await throughput(CLIENTS, WARMUP_MS, plain);
    await throughput(CLIENTS, WARMUP_MS, book);
    await throughput(CLIENTS, WARMUP_MS, bookWithCredits);
    // Alternate them so drift on a shared machine affects all alike.
    const base: number[] = [];
    const ours: number[] = [];
    const withCredits: number[] = [];
    for (let round = 0; round < 2; round++) {
      base.push(await throughput(CLIENTS, RUN_MS / 2, plain));
      ours.push(await throughput(CLIENTS, RUN_MS / 2, book));
      withCredits.push(await throughput(CLIENTS, RUN_MS / 2, bookWithCredits));
    }
    const baseTps = base.reduce((a, b) => a + b) / base.length;
    const bookTps = ours.reduce((a, b) => a + b) / ours.length;
    const creditsTps = withCredits.reduce((a, b) => a + b) / withCredits.length;
    const confirmed = await db.sessionBooking.count({ where: { status: 'confirmed', coachId: coach.id } });
    const rejected = await db.sessionBooking.count({ where: { status: 'rejected', coachId: coach.id } });
    const reserved = await db.creditEntry.count({ where: { kind: 'reserve', coachId: creditsCoach.id } });
    const creditsConfirmed = await db.sessionBooking.count({ where: { status: 'confirmed', coachId: creditsCoach.id } });
    // The goal is for coaches without credits, as before; a credits-requiring coach's ratio is printed beside it.
    const ratio = bookTps / baseTps;
    const creditsRatio = creditsTps / baseTps;
    // Every transaction of either side queues on one lock, so the time between two of them is how long
    // one held it (from its grant, through its last statements and commit, to the next grant).
    const lockMs = 1000 / bookTps;
    const baseLockMs = 1000 / baseTps;
    return {
      figures: {
        bookings_per_s: round2(bookTps),
        lock_held_ms: round2(lockMs),
        confirmed,
        rejected,
        credits_bookings_per_s: round2(creditsTps),
        credits_ratio: round2(creditsRatio),
        credits_reserved: reserved,
      },
      baseline: { tx_per_s: round2(baseTps), lock_held_ms: round2(baseLockMs) },
      ratio,
      met: ratio >= BOOKING_GOAL,
      lines: [
        `booking: ${CLIENTS} concurrent clients, one coach, ${slotsOfWeek} slots x ${SEATS} seats`,
        `  baseline (BEGIN; SELECT .. FOR UPDATE; UPDATE; INSERT; COMMIT): ${baseTps.toFixed(0)} tx/s`,
        `  bookings (create, auto-confirmed, under the coach lock):        ${bookTps.toFixed(0)} bookings/s`,
        `  ratio bookings/baseline: ${ratio.toFixed(2)}   (goal >= ${BOOKING_GOAL}; ${confirmed} confirmed, ${rejected} rejected)`,
        `  a coach who requires credits (each booking reserves one under the lock): ${creditsTps.toFixed(0)} bookings/s, ratio ${creditsRatio.toFixed(2)}   (${creditsConfirmed} confirmed, ${reserved} credits reserved)`,
        '  a booking, 2 round trips: unlocked read; BEGIN + write + lock + re-check in PostgreSQL + COMMIT as one query',
        `  lock held per transaction (1/throughput): bookings ${lockMs.toFixed(2)} ms, baseline ${baseLockMs.toFixed(2)} ms`,
      ],
    };
  } finally {
    await pool.end();
    await db.$disconnect();
    await database.drop();
  }
}

async function listingRun(): Promise<Measurement> {
  const database = await benchDatabase();
  const db = createDb(database.url, { max: 4 });
  try {
    const clock = new ManualClock(START.getTime() - 3_600_000);
    const deps = { db, clock, config: CONFIG };
    const bookings = createBookingsService(deps);
    const availability = createAvailabilityService(deps);
    const access = createAccessService(db);

    // 90 days of a coach with 500 booked sessions, against one SELECT 1 round trip.
    const busy = await makeUser(db, 'Coach');
    await db.coachAvailability.createMany({
      data: [1, 2, 3, 4, 5].map((dayOfWeek) => ({ coachId: busy.id, dayOfWeek, startTime: '08:00', endTime: '18:00', maxSessionsPerSlot: 3, bufferMinutes: 15 })),
    });
    // One member per seat: a member holds at most one seat of a slot.
    const busyMembers: { memberId: string; actor: Actor }[] = [];
    for (let seat = 0; seat < 3; seat++) {
      const m = await makeUser(db, 'Member', { coachId: busy.id });
      busyMembers.push({ memberId: m.memberId, actor: await access.actorFor(m.id) });
    }
    const range = { coachId: busy.id, startDate: '2031-03-03', endDate: '2031-05-31' };
    const slots = await availability.listSlots(undefined, range);
    // Every other slot: a booked slot's buffer blocks its neighbours.
    for (let i = 0, booked = 0; booked < 500 && i < slots.length; i += 2) {
      const s = slots[i]!;
      for (let seat = 0; seat < 3 && booked < 500; seat++, booked++) {
        const m = busyMembers[seat]!;
        await bookings.create(m.actor, { memberId: m.memberId, coachId: busy.id, requestedDate: s.date, requestedTime: s.time }, randomUUID());
      }
    }
    const sessions = await db.session.count({ where: { coachId: busy.id, status: 'scheduled' } });
    const list = () => availability.listSlots(undefined, range);
    await timeEach(20, list);
    await timeEach(50, () => db.$queryRaw`SELECT 1`);
    const roundTrip = await timeEach(200, () => db.$queryRaw`SELECT 1`);
    const listing = await timeEach(100, list);
    const listed = (await list()).length;
    const ratio = listing / roundTrip;
    return {
      figures: { listing_ms: round2(listing), sessions, slots: listed },
      baseline: { select1_ms: round2(roundTrip) },
      ratio,
      met: ratio <= LISTING_GOAL,
      lines: [
        `listing: 90 days, ${sessions} booked sessions, ${listed} slots with seats left`,
        `  SELECT 1 round trip: ${roundTrip.toFixed(3)} ms; listing: ${listing.toFixed(3)} ms = ${ratio.toFixed(1)} round trips (goal <= ${LISTING_GOAL})`,
      ],
    };
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export const bookingBench: Benchmark = { name: 'booking', target: `ratio >= ${BOOKING_GOAL}`, run: bookingRun };
export const listingBench: Benchmark = { name: 'listing', target: `<= ${LISTING_GOAL} SELECT 1 round trips`, run: listingRun };
