import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_TIMEOUT_DEFAULTS } from '../../src/config.ts';
import { createDb, pgPool } from '../../src/db/client.ts';
import { buildWorld } from './fixtures.ts';
import { databaseFingerprint, setupApi } from './harness.ts';

// A process that stops while holding a coach's lock (SIGSTOP, a partition) must not block that
// coach's bookings for as long as it lasts: waiters give up after lock_timeout and answer 503 with
// Retry-After, in the error format, having written nothing. The stopped holder is played by a test
// connection that takes the same advisory lock and keeps its transaction open. lock_timeout is
// set small in this test's configuration; no test waits on a clock.

const api = await setupApi({ core: { bookingMinNoticeMinutes: 0 }, dbTimeouts: { lockTimeoutMs: 200 } });
const world = await buildWorld(api, { coaches: 1, membersPerCoach: 1, unassigned: 0, sessionsPerMember: 1 });
const member = world.members[0]!;
const coachId = member.coachId!;

/** A connection that holds `coach`'s calendar lock in an open transaction until released. */
async function holdCoachLock(coach: string, url = api.databaseUrl) {
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`coach:${coach}`]);
  const release = async () => {
    await holder.query('ROLLBACK');
    await holder.end();
  };
  afterAll(() => holder.end().catch(() => undefined));
  return release;
}

const booking = (time: string) => ({
  method: 'POST' as const,
  url: '/bookings',
  headers: { 'idempotency-key': randomUUID() },
  payload: { memberId: member.memberId, coachId, requestedDate: '2030-01-09', requestedTime: time },
});

function expectBusy(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  expect(res.statusCode).toBe(503);
  expect(res.json()).toMatchObject({ statusCode: 503, error: 'database_busy', message: expect.any(String) });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('a coach lock held by a stopped process', () => {
  it('booking (the raw connection path) and scheduling (the Prisma path) answer 503 with Retry-After and write nothing; both succeed once the lock is released', async () => {
    const release = await holdCoachLock(coachId);
    const before = await databaseFingerprint(api.db);
    expectBusy(await api.call(member.token, booking('10:00')));
    expectBusy(
      await api.call(world.admin.token, {
        method: 'POST',
        url: '/sessions',
        payload: { memberId: member.memberId, coachId, scheduledAt: '2030-01-09T12:00:00Z', duration: 60, type: 'regular' },
      }),
    );
    expectBusy(await api.call(world.admin.token, { method: 'PATCH', url: `/sessions/${world.sessions[0]!.id}/reschedule`, payload: { scheduledAt: '2030-01-09T14:00:00Z' } }));
    expect(await databaseFingerprint(api.db)).toEqual(before);
    await release();
    expect((await api.call(member.token, booking('10:00'))).statusCode).toBe(201);
  });

  it('another coach is not held up', async () => {
    const other = await api.userWithToken('Coach');
    const release = await holdCoachLock(other.id);
    try {
      expect((await api.call(member.token, booking('11:00'))).statusCode).toBe(201);
    } finally {
      await release();
    }
  });
});

// With lock_timeout off, a lock wait never ends by itself: statement_timeout ends it. Its value only
// bounds that endless wait (every other statement here takes milliseconds), so it is generous.
const slow = await setupApi({ core: { bookingMinNoticeMinutes: 0 }, dbTimeouts: { lockTimeoutMs: 0, statementTimeoutMs: 2_000 } });
const slowWorld = await buildWorld(slow, { coaches: 1, membersPerCoach: 1, unassigned: 0, sessionsPerMember: 0 });

describe('statement_timeout', () => {
  it('a statement cancelled by statement_timeout (57014) answers 503 too', async () => {
    const m = slowWorld.members[0]!;
    const holder = new pg.Client({ connectionString: slow.databaseUrl });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`coach:${m.coachId}`]);
    try {
      const res = await slow.call(m.token, {
        method: 'POST',
        url: '/bookings',
        headers: { 'idempotency-key': randomUUID() },
        payload: { memberId: m.memberId, coachId: m.coachId, requestedDate: '2030-01-09', requestedTime: '10:00' },
      });
      expectBusy(res);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });
});

describe('the pool', () => {
  it('opens every connection with the configured lock, statement and idle-in-transaction timeouts (DB_TIMEOUT_DEFAULTS unless given)', async () => {
    const settings = async (db: ReturnType<typeof createDb>) => {
      const [row] = await db.$queryRaw<{ lock: string; statement: string; idle: string }[]>`
        SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement,
               current_setting('idle_in_transaction_session_timeout') AS idle`;
      await db.$disconnect();
      return row;
    };
    const seconds = (ms: number) => `${ms / 1000}s`;
    expect(await settings(createDb(api.databaseUrl, { max: 1 }))).toEqual({
      lock: seconds(DB_TIMEOUT_DEFAULTS.lockTimeoutMs),
      statement: seconds(DB_TIMEOUT_DEFAULTS.statementTimeoutMs),
      idle: seconds(DB_TIMEOUT_DEFAULTS.idleInTransactionTimeoutMs),
    });
    expect(await settings(createDb(api.databaseUrl, { max: 1, timeouts: { lockTimeoutMs: 1_000, statementTimeoutMs: 2_000, idleInTransactionTimeoutMs: 3_000 } }))).toEqual({
      lock: '1s',
      statement: '2s',
      idle: '3s',
    });
  });

  it("a holder that stops mid-transaction loses its session to idle_in_transaction_session_timeout, and with it the coach's lock", async () => {
    // The stopped process: a connection of a pool like ours that takes the lock, then never speaks again.
    const stopped = createDb(api.databaseUrl, { max: 1, timeouts: { idleInTransactionTimeoutMs: 300 } });
    const connection = await pgPool(stopped).connect();
    const ended = new Promise((resolve) => connection.once('error', resolve));
    await connection.query('BEGIN');
    await connection.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`coach:${coachId}`]);
    // PostgreSQL ends the idle transaction's session; the event, not a clock, says when.
    expect(String(await ended)).toMatch(/idle-in-transaction/);
    connection.release(true);
    await stopped.$disconnect();
    expect((await api.call(member.token, booking('15:00'))).statusCode).toBe(201);
  });
});
