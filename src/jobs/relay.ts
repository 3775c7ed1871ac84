import type { Clock, CoreConfig } from '../core/index.ts';
import { takeUnqueuedNotifications, type QueuedNotification } from '../core/notifications/index.ts';
import type { Db } from '../db/client.ts';
import { batchJobId, deliveryJobOptions, notificationJobId, ROWS_PER_JOB, type DeliveryJob, type JobQueues } from './queues.ts';
import type { JobSettings } from './settings.ts';

// The outbox relay: rows core committed (a booking's confirmation, a cancellation, a derived
// reminder) go to the delivery queue, delayed to their time: the rows due at the same moment
// together, up to ROWS_PER_JOB to a job, and a row alone as a job under the row's own id.

export interface RelayDeps {
  db: Db;
  clock: Clock;
  queues: JobQueues;
  settings: JobSettings;
  /** The booking rules the waitlist's deadlines follow (minimum notice, claim minutes); DEFAULT_CORE_CONFIG when not given. */
  coreConfig?: CoreConfig;
}

const BATCH = 1000;

export interface PlannedDelivery {
  name: 'deliver';
  data: DeliveryJob;
  opts: ReturnType<typeof deliveryJobOptions> & { jobId: string };
}

/**
 * The delivery jobs of these rows: those already due form one moment, the others one moment per
 * due instant (reminders of sessions starting together fall due together), each moment cut into
 * jobs of at most ROWS_PER_JOB rows in id order. Ids are deterministic: the same rows give the same
 * jobs, so a job still in Redis is not added twice.
 */
export function planDeliveries(settings: RelayDeps['settings'], rows: readonly QueuedNotification[], nowMs: number): PlannedDelivery[] {
  const moments = new Map<number, string[]>();
  for (const r of rows) {
    const at = Math.max(r.deliverAfterMs, nowMs);
    const moment = moments.get(at);
    if (moment) moment.push(r.id);
    else moments.set(at, [r.id]);
  }
  const planned: PlannedDelivery[] = [];
  for (const [at, ids] of moments) {
    const options = deliveryJobOptions(settings, at - nowMs);
    ids.sort();
    for (let i = 0; i < ids.length; i += ROWS_PER_JOB) {
      const chunk = ids.slice(i, i + ROWS_PER_JOB);
      planned.push(
        chunk.length === 1
          ? { name: 'deliver', data: { notificationId: chunk[0]! }, opts: { ...options, jobId: notificationJobId(chunk[0]!) } }
          : { name: 'deliver', data: { notificationIds: chunk }, opts: { ...options, jobId: batchJobId(chunk) } },
      );
    }
  }
  return planned;
}

/** Adds delivery jobs for these rows (see planDeliveries). */
export async function enqueueDeliveries(deps: RelayDeps, rows: readonly QueuedNotification[]): Promise<void> {
  if (rows.length === 0) return;
  await deps.queues.delivery.addBulk(planDeliveries(deps.settings, rows, deps.clock.now().getTime()));
}

/**
 * Moves every outbox row due within the window that no relay took yet to the delivery queue; returns
 * how many. Each batch of rows is marked queued in PostgreSQL only once its jobs are in Redis (see
 * takeUnqueuedNotifications): should Redis fail, the rows stay for the next relay.
 */
export async function relayOutbox(deps: RelayDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const now = deps.clock.now();
    const rows = await takeUnqueuedNotifications(deps.db, now, new Date(now.getTime() + deps.settings.windowMs), BATCH, (taken) =>
      enqueueDeliveries(deps, taken),
    );
    total += rows.length;
    if (rows.length < BATCH) return total;
  }
}
