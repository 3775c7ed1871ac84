import type { Queue } from 'bullmq';
import { undeliveredNotifications } from '../core/notifications/index.ts';
import { rowsOf, type DeliveryJob } from './queues.ts';
import { planDeliveries, type RelayDeps } from './relay.ts';
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
  /** Undelivered rows that no unfinished job carried, handed to the delivery queue. */
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
    const page = await undeliveredNotifications(deps.db, now, new Date(now.getTime() + deps.settings.windowMs), after, PAGE);
    // Read after the rows: a row that moved meanwhile from one job to another (a batch hands a row
    // that must wait to a job of its own before it finishes) is still found carried.
    const carried = page.length ? await carriedRows(deps.queues.delivery) : new Set<string>();
    const rows = page.filter((r) => !carried.has(r.id));
    const planned = planDeliveries(deps.settings, rows, now.getTime());
    replaced += await removeFinished(deps.queues.delivery, planned.map((p) => p.opts.jobId).filter((id) => finished.has(id)));
    if (planned.length) await deps.queues.delivery.addBulk(planned);
    requeued += rows.length;
    if (page.length < PAGE) return { requeued, replaced };
    after = page.at(-1)!.id;
  }
}

/**
 * The rows of every delivery job BullMQ has not finished with: waiting, delayed or running (the
 * next minutes of work, a hundred rows to a batch). A job that finishes between the rows' read and
 * this one at worst has its row enqueued again, which the row's claim makes harmless: it is found
 * settled, or claimed and waited for.
 */
async function carriedRows(queue: Queue<DeliveryJob>): Promise<Set<string>> {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);
  return new Set(jobs.flatMap((job) => (job?.data ? rowsOf(job.data) : [])));
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
