import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { coachWorld, resetCoach } from '../core/bookings.fixtures.ts';
import type { Attempt, AttemptOutcome, BookerJob } from './booker.ts';

// Overbooking across processes: several OS processes, each with its own connection pool, book the
// same few slots of one coach at once. Afterwards the database alone must show no slot over its
// seats and no half-written booking.

const { db, databaseUrl } = await setupCore();
const PROCESSES = 4;
const ATTEMPTS_PER_PROCESS = 16;
const DATE = '2030-01-08';
/** One slot per window; the window's seats are 1..5. */
const SLOTS = [
  { time: '09:00', seats: 1 },
  { time: '10:00', seats: 2 },
  { time: '11:00', seats: 3 },
  { time: '12:00', seats: 4 },
  { time: '13:00', seats: 5 },
];

function runBooker(job: BookerJob): Promise<AttemptOutcome[]> {
  const script = fileURLToPath(new URL('./booker.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, BOOKER_JOB: JSON.stringify(job) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as AttemptOutcome[]) : reject(new Error(`booker exited ${code}: ${err}`))));
  });
}

describe('concurrent bookings from several processes', () => {
  it('never puts a slot over its seats, and records every attempt as confirmed or rejected with nothing half-written', async () => {
    const w = await coachWorld(db, { members: ATTEMPTS_PER_PROCESS });
    const coachId = w.coach.user.id;
    await resetCoach(db, coachId, SLOTS.map((s, i) => ({ dayOfWeek: 2, startTime: s.time, endTime: `${String(10 + i).padStart(2, '0')}:00`, maxSessionsPerSlot: s.seats })));

    // Every process gets its own attempts, each member asking for a slot once (member i, slot i + p);
    // one in five is also sent by the next process with the same user and key, as a client retrying
    // against another server would; one in four is sent again by the next process under a new key,
    // as a member double-clicking in two clients would (a member holds at most one seat of a slot).
    const perProcess: Attempt[][] = Array.from({ length: PROCESSES }, () => []);
    for (let p = 0; p < PROCESSES; p++) {
      for (let i = 0; i < ATTEMPTS_PER_PROCESS; i++) {
        const m = w.members[i]!;
        const attempt = { userId: m.user.id, memberId: m.user.memberId!, key: randomUUID(), time: SLOTS[(i + p) % SLOTS.length]!.time };
        perProcess[p]!.push(attempt);
        if (i % 5 === 0) perProcess[(p + 1) % PROCESSES]!.push(attempt);
        if (i % 4 === 1) perProcess[(p + 1) % PROCESSES]!.push({ ...attempt, key: randomUUID() });
      }
    }
    const distinct = new Map(perProcess.flat().map((a) => [`${a.userId}/${a.key}`, a]));

    const results = (
      await Promise.all(perProcess.map((attempts) => runBooker({ databaseUrl, coachId, date: DATE, now: TEST_EPOCH.getTime(), attempts })))
    ).flat();

    // Each attempt ended confirmed, slot_full or already_booked, and a retried key got the first answer.
    for (const r of results) expect(['confirmed', 'slot_full', 'already_booked']).toContain(r.outcome);
    const byKey = new Map<string, AttemptOutcome>();
    for (const r of results) {
      const first = byKey.get(`${r.userId}/${r.key}`);
      if (first) expect({ outcome: r.outcome, bookingId: r.bookingId }).toEqual({ outcome: first.outcome, bookingId: first.bookingId });
      else byKey.set(`${r.userId}/${r.key}`, r);
    }

    // From the database alone.
    const bookings = await db.sessionBooking.findMany({ where: { coachId }, include: { session: { include: { calendarEvent: true } } } });
    // A second seat asked for is refused with nothing written but its key: every answer is final.
    const recorded = [...byKey.values()].filter((r) => r.outcome !== 'already_booked').length;
    expect(bookings).toHaveLength(recorded);
    expect(await db.idempotencyKey.count({ where: { operation: 'bookings.create', userId: { in: w.members.map((m) => m.user.id) } } })).toBe(byKey.size);
    const seats = await db.session.groupBy({ by: ['memberId', 'scheduledAt'], where: { coachId, status: { not: 'cancelled' } }, _count: true });
    for (const seat of seats) expect(seat._count).toBe(1);
    for (const b of bookings) expect(['confirmed', 'rejected']).toContain(b.status);
    for (const slot of SLOTS) {
      const confirmed = bookings.filter((b) => b.status === 'confirmed' && b.requestedTime === slot.time);
      const attempted = new Set([...distinct.values()].filter((a) => a.time === slot.time).map((a) => a.memberId)).size;
      expect(confirmed.length, slot.time).toBeLessThanOrEqual(slot.seats);
      // Far more attempts than seats: every seat was taken, none twice.
      expect(confirmed.length, slot.time).toBe(Math.min(slot.seats, attempted));
    }
    for (const b of bookings.filter((x) => x.status === 'confirmed')) {
      expect(b.session?.status).toBe('scheduled');
      expect(b.session?.calendarEvent.creatorId).toBe(coachId);
      expect(b.session?.scheduledAt.getTime()).toBe(b.slotStartsAt.getTime());
    }
    for (const b of bookings.filter((x) => x.status === 'rejected')) {
      expect(b.sessionId).toBeNull();
      expect(b.rejectionReason).toBe('slot_full');
    }
    const confirmedIds = bookings.filter((b) => b.status === 'confirmed').map((b) => b.id);
    const sessions = await db.session.findMany({ where: { coachId }, select: { id: true, calendarEventId: true } });
    const events = await db.calendarEvent.count({ where: { creatorId: coachId } });
    // No session without its booking, no event without its session.
    expect(sessions).toHaveLength(confirmedIds.length);
    expect(new Set(bookings.map((b) => b.sessionId).filter(Boolean))).toEqual(new Set(sessions.map((s) => s.id)));
    expect(events).toBe(sessions.length);
    expect(await db.notification.count({ where: { type: 'booking.confirmed', userId: coachId } })).toBe(confirmedIds.length);
    expect(await db.notification.count({ where: { type: 'booking.rejected' } })).toBe(bookings.length - confirmedIds.length);
  });
});
