import type { Clock, CoreConfig } from '../core/index.ts';
import { takeUnqueuedNotifications, type QueuedNotification } from '../core/notifications/index.ts';
import type { Db } from '../db/client.ts';
import { deliveryJobOptions, notificationJobId, type JobQueues } from './queues.ts';
import type { JobSettings } from './settings.ts';

// The outbox relay: rows core committed (a booking's confirmation, a cancellation, a derived
// reminder) go to the delivery queue, each as one job with the row's own id, delayed to its time.

export interface RelayDeps {
  db: Db;
  clock: Clock;
  queues: JobQueues;
  settings: JobSettings;
  /** The booking rules the waitlist's deadlines follow (minimum notice, claim minutes); DEFAULT_CORE_CONFIG when not given. */
  coreConfig?: CoreConfig;
}

const BATCH = 1000;

/** Adds delivery jobs for these rows; a row whose job is still in Redis is not added twice (same job id). */
export async function enqueueDeliveries(deps: RelayDeps, rows: readonly QueuedNotification[]): Promise<void> {
  if (rows.length === 0) return;
  const now = deps.clock.now().getTime();
  await deps.queues.delivery.addBulk(
    rows.map((r) => ({
      name: 'deliver',
      data: { notificationId: r.id },
      opts: { ...deliveryJobOptions(deps.settings, r.deliverAfterMs - now), jobId: notificationJobId(r.id) },
    })),
  );
}

/**
 * Moves every outbox row due within the window that no relay took yet to the delivery queue; returns
 * how many. Should Redis fail between taking and adding, the reconciler puts them back.
 */
export async function relayOutbox(deps: RelayDeps): Promise<number> {
  let total = 0;
  // Two stages: the next batch is taken from PostgreSQL while the last one goes to Redis.
  let adding: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const now = deps.clock.now();
      const rows = await takeUnqueuedNotifications(deps.db, now, new Date(now.getTime() + deps.settings.windowMs), BATCH);
      await adding;
      adding = enqueueDeliveries(deps, rows);
      total += rows.length;
      if (rows.length < BATCH) return total;
    }
  } finally {
    await adding;
  }
}
