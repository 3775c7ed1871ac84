import { pgPool, pgQuery, Prisma, type Db } from '../../db/client.ts';

// What an operator alerts on when deliveries fall behind ("a reminder is being lost"): the rows due
// and not yet settled (pending, or claimed and being sent), and how long the oldest has waited.
// One statement over the (status, deliverAfter) index: two range scans, however large the table.

export interface NotificationBacklog {
  /** Notifications due by now that are not yet sent, failed or skipped. */
  due: number;
  /** When the oldest of them fell due; null when there is none. */
  oldestDueAt: Date | null;
}

export async function notificationBacklog(db: Db, now: Date): Promise<NotificationBacklog> {
  const c = await pgPool(db).connect();
  try {
    const [row] = await pgQuery<{ due: number; oldestDueAtMs: number | null }>(
      c,
      Prisma.sql`
      SELECT count(*)::int AS "due", (extract(epoch FROM min("deliverAfter")) * 1000)::float8 AS "oldestDueAtMs"
      FROM "notifications"
      WHERE "status" IN ('pending', 'sending') AND "deliverAfter" <= ${now}::timestamp`,
      'notifications.backlog',
    );
    return { due: row!.due, oldestDueAt: row!.oldestDueAtMs === null ? null : new Date(row!.oldestDueAtMs) };
  } finally {
    c.release();
  }
}
