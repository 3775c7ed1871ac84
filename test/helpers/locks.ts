import type pg from 'pg';

// PostgreSQL signals no event when a session starts waiting for a lock, so tests that need "the
// request now waits on the lock I hold" watch pg_locks until it says so. There is no deadline: the
// wait ends with the event or with the test's own timeout, however loaded the machine is.

const WAITERS = `SELECT count(*)::int AS n FROM pg_locks
  WHERE locktype = 'advisory' AND NOT granted
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** Resolves once at least `n` sessions of the pool's database wait for an advisory lock. */
export async function advisoryLockWaiters(pool: Pick<pg.Pool, 'query'>, n = 1): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(WAITERS);
    if (rows[0]!.n >= n) return;
    // Pacing between looks, not a bound on the wait.
    await new Promise((r) => setTimeout(r, 10));
  }
}
