import { describe, expect, it } from 'vitest';
import { lockCoachCalendarAndRead } from '../../src/core/scheduling/lock.ts';
import { pgPool, Prisma } from '../../src/db/client.ts';
import { setupCore } from '../helpers/core.ts';
import { advisoryLockWaiters } from '../helpers/locks.ts';

// lockCoachCalendarAndRead sends the lock and the read as one multi-statement query. It is only
// correct if the read takes its snapshot AFTER the lock wait, so that it sees what the previous
// holder committed. A single statement does not: shown alongside, so the check can fail.

const { db } = await setupCore();
const COACH = '00000000-0000-4000-8000-000000000001';
const count = Prisma.sql`SELECT count(*)::int AS "n" FROM "locked_read_probe"`;

describe('the coach lock taken with its read in one round trip', () => {
  it('reads what the previous holder of the lock committed while it waited', async () => {
    const pool = pgPool(db);
    await pool.query('CREATE TABLE IF NOT EXISTS "locked_read_probe" ("n" int)');
    const [holder, waiter, single] = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    try {
      await lockCoachCalendarAndRead(holder, COACH, count, ['BEGIN']);
      await holder.query('INSERT INTO "locked_read_probe" VALUES (1)');
      // Both wait for the holder's lock, the waiter first (the lock is granted in queue order, and the
      // test commits the waiter before the single statement); the holder commits its row meanwhile.
      const multi = lockCoachCalendarAndRead<{ n: number }>(waiter, COACH, count, ['BEGIN']);
      await advisoryLockWaiters(pgPool(db), 1);
      const one = single.query<{ n: number }>(
        `BEGIN; SELECT (SELECT count(*)::int FROM "locked_read_probe") AS "n" FROM (SELECT pg_advisory_xact_lock(hashtextextended('coach:${COACH}', 0))) l`,
      ) as unknown as Promise<{ rows: { n: number }[] }[]>;
      await advisoryLockWaiters(pgPool(db), 2);
      await holder.query('COMMIT');
      expect((await multi)[0]!.n).toBe(1);
      // The waiter still holds the lock; release it so the single statement gets its turn.
      await waiter.query('COMMIT');
      expect((await one)[1]!.rows[0]!.n).toBe(0);
      await single.query('COMMIT');
    } finally {
      holder.release();
      waiter.release();
      single.release();
    }
  });
});
