import type { Queue } from 'bullmq';
import { undeliveredNotifications } from '../core/notifications/index.ts';
import { notificationJobId, type DeliveryJob } from './queues.ts';
import { enqueueDeliveries, type RelayDeps } from './relay.ts';
import { tickReminders } from './reminders.ts';

// PostgreSQL is the source of truth, Redis holds derived work. After Redis lost data (FLUSHALL, a
// failover to a stale replica, eviction) or a worker died holding a claim, this puts back every job
// PostgreSQL says should exist: due reminders and prompts are derived again, and every undelivered
// row due within the window is enqueued under its own job id. A job still waiting or running is left
// alone; one BullMQ has finished with (failed: its attempts ran out on something other than the
// platform, e.g. a job that stalled twice; or completed) is replaced, since under the same id it would
// stop the row from ever being enqueued again.

const PAGE = 1000;

export interface ReconcileResult {
  /** Undelivered rows handed to the delivery queue (a row whose job still waits there is not added twice). */
  requeued: number;
  /** Of those, rows whose finished job was removed so that a new one could take its place. */
  replaced: number;
}

export async function reconcile(deps: RelayDeps): Promise<ReconcileResult> {
  await tickReminders(deps);
  // Read once: the finished jobs are few (failed ones are capped by removeOnFail, completed ones removed).
  const finished = new Set(await deps.queues.delivery.getRanges(['failed', 'completed'], 0, -1));
  let requeued = 0;
  let replaced = 0;
  let after = '';
  for (;;) {
    const now = deps.clock.now();
    const rows = await undeliveredNotifications(deps.db, now, new Date(now.getTime() + deps.settings.windowMs), after, PAGE);
    replaced += await removeFinished(deps.queues.delivery, rows.map((r) => notificationJobId(r.id)).filter((id) => finished.has(id)));
    await enqueueDeliveries(deps, rows);
    requeued += rows.length;
    if (rows.length < PAGE) return { requeued, replaced };
    after = rows.at(-1)!.id;
  }
}

/**
 * Removes the jobs of these ids that BullMQ still reports failed or completed; returns how many.
 *
 * Safe against a worker processing the job, twice over. BullMQ: only a finished job is removed, and
 * should one have been retried from the queue board since and taken by a worker, BullMQ's removal
 * refuses a job whose lock a worker holds (it answers 0) and the add that follows is a no-op beside it;
 * one retried but still waiting is replaced by the new job, which does what it would have. The row:
 * a job sends only after claiming the row in one conditional UPDATE (pending, or a lease run out), so
 * any second job for a row, even beside a worker that lost its BullMQ lock but still runs, finds it
 * claimed (and waits out the lease) or settled, and sends nothing.
 */
async function removeFinished(queue: Queue<DeliveryJob>, jobIds: readonly string[]): Promise<number> {
  const removed = await Promise.all(
    jobIds.map(async (jobId) => {
      const state = await queue.getJobState(jobId);
      return state === 'failed' || state === 'completed' ? queue.remove(jobId) : 0;
    }),
  );
  return removed.reduce((a, b) => a + b, 0);
}
