import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { SCHEDULE_QUEUE, type JobQueues, type ScheduleName } from './queues.ts';
import type { JobSettings } from './settings.ts';

// The periodic work as BullMQ job schedulers: whichever worker process is free runs each tick once,
// however many processes there are. A watchdog in every process re-creates the schedulers when Redis
// lost them (they are keys like any other) and reconciles at once, and runs again a reconcile owed.

export type ScheduledWork = Record<ScheduleName, () => Promise<unknown>>;

export async function upsertSchedules(queues: JobQueues, settings: JobSettings): Promise<void> {
  const every: Record<ScheduleName, number> = { tick: settings.tickMs, relay: settings.relayMs, reconcile: settings.reconcileMs, prune: settings.pruneMs };
  for (const [name, ms] of Object.entries(every) as [ScheduleName, number][]) {
    await queues.schedule.upsertJobScheduler(name, { every: ms }, { name, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }
}

export function createScheduleWorker(deps: { connection: Redis; prefix: string; work: ScheduledWork; settings: JobSettings }) {
  return new Worker(SCHEDULE_QUEUE, async (job) => deps.work[job.name as ScheduleName]?.(), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 4,
    stalledInterval: deps.settings.stalledIntervalMs,
    lockDuration: deps.settings.lockDurationMs,
  });
}

/**
 * Every `everyMs`, checks that the schedulers still exist in Redis; when not, restores them and
 * reconciles. Reconciles too when one is owed (`reconcileOwed`: the last one failed, or a delivery
 * job was given up), so that repair follows an outage within seconds rather than a reconcile period.
 */
export function watchSchedules(deps: {
  queues: JobQueues;
  settings: JobSettings;
  reconcile: () => Promise<unknown>;
  reconcileOwed: () => boolean;
  logger: Logger;
  everyMs: number;
}) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      if (await deps.queues.schedule.getJobScheduler('reconcile')) {
        if (deps.reconcileOwed()) await deps.reconcile();
        return;
      }
      deps.logger.warn('job schedulers missing from Redis (data lost?): restoring them and reconciling from PostgreSQL');
      await upsertSchedules(deps.queues, deps.settings);
      await deps.reconcile();
    })()
      .catch((error: unknown) => deps.logger.error({ err: error }, 'schedule watchdog failed'))
      .finally(() => (running = false));
  }, deps.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
