import { pgPool, pgQuery, Prisma, withPgConnection, type Db } from '../../db/client.ts';

// The outbox's side of the relay to the delivery queue. PostgreSQL is the source of truth; the queue
// holds only what is due within minutes. `takeUnqueued` hands each row to one relay once;
// `undelivered` lists everything that should be in the queue, so a reconciler can put back what
// Redis lost (FLUSHALL, failover) or what a crashed worker left claimed.

export interface QueuedNotification {
  id: string;
  deliverAfterMs: number;
}

const REAL_NOW = Prisma.raw(`(clock_timestamp() AT TIME ZONE 'UTC')`);

async function run<R>(db: Db, sql: Prisma.Sql, name: string): Promise<R[]> {
  const c = await pgPool(db).connect();
  try {
    return await pgQuery<R>(c, sql, name);
  } finally {
    c.release();
  }
}

/**
 * Marks up to `limit` pending rows due by `horizon` that no relay has taken yet as queued, hands
 * them to `enqueue`, and only then commits; returns them, oldest due first. Concurrent relays take
 * disjoint rows (SKIP LOCKED). Committing after the rows are in the queue means a row is never seen
 * queued before its job exists: a reconciler reading it meanwhile waits for the commit, then finds
 * the job, instead of giving the row a second job. Should `enqueue` fail, nothing is marked.
 */
export async function takeUnqueuedNotifications(
  db: Db,
  now: Date,
  horizon: Date,
  limit: number,
  enqueue: (rows: QueuedNotification[]) => Promise<void>,
): Promise<QueuedNotification[]> {
  return withPgConnection(db, async (c) => {
    await c.query('BEGIN');
    const taken = await pgQuery<{ id: string; deliverAfterMs: string }>(
      c,
      Prisma.sql`
      UPDATE "notifications" n SET "queuedAt" = ${now}::timestamp
      FROM (SELECT "id" FROM "notifications"
            WHERE "status" = 'pending' AND "queuedAt" IS NULL AND "deliverAfter" <= ${horizon}::timestamp
            ORDER BY "deliverAfter" LIMIT ${limit} FOR UPDATE SKIP LOCKED) due
      WHERE n."id" = due."id"
      RETURNING n."id", (extract(epoch FROM n."deliverAfter") * 1000)::bigint AS "deliverAfterMs"`,
      'notifications.take_unqueued',
    );
    const rows = taken.map((r) => ({ id: r.id, deliverAfterMs: Number(r.deliverAfterMs) }));
    await enqueue(rows);
    await c.query('COMMIT');
    return rows;
  });
}

/**
 * One page (by id, after `afterId`) of the rows that must be in the delivery queue: pending and due
 * by `horizon`, or claimed by a worker whose lease has run out. Marks the pending ones queued.
 */
export async function undeliveredNotifications(db: Db, now: Date, horizon: Date, afterId: string, limit: number): Promise<QueuedNotification[]> {
  const rows = await run<{ id: string; deliverAfterMs: string }>(
    db,
    Prisma.sql`
    UPDATE "notifications" n SET "queuedAt" = COALESCE(n."queuedAt", ${now}::timestamp)
    FROM (SELECT "id" FROM "notifications"
          WHERE "id" > ${afterId}
            AND (("status" = 'pending' AND "deliverAfter" <= ${horizon}::timestamp) OR ("status" = 'sending' AND "claimedUntil" < ${REAL_NOW}))
          ORDER BY "id" LIMIT ${limit}) due
    WHERE n."id" = due."id"
    RETURNING n."id", (extract(epoch FROM n."deliverAfter") * 1000)::bigint AS "deliverAfterMs"`,
    'notifications.undelivered',
  );
  return rows.map((r) => ({ id: r.id, deliverAfterMs: Number(r.deliverAfterMs) })).sort((a, b) => (a.id < b.id ? -1 : 1));
}
