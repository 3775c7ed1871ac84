import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChatPort, NoticeKeeper, Presenter, Redrawer } from '../bot/port.ts';
import type { Platform } from '../bot/inbound.ts';
import type { Clock, CoreConfig } from '../core/index.ts';
import { prunableTables, pruneTables } from '../core/retention/index.ts';
import type { Db } from '../db/client.ts';
import { createDeliveryWorker, type ChatPorts, type DeliveryOutcome, type DeliveryTelemetry } from './delivery.ts';
import { createQueues, type DeliveryJob, type JobQueues } from './queues.ts';
import { reconcile, type ReconcileResult } from './reconciler.ts';
import { checkEvictionPolicy } from './redis-policy.ts';
import { relayOutbox } from './relay.ts';
import { tickReminders, type TickResult } from './reminders.ts';
import { createScheduleWorker, upsertSchedules, watchSchedules } from './schedules.ts';
import { jobSettings, type JobSettings } from './settings.ts';
import { redisNamespace, type Config } from '../config.ts';

// The worker role's composition root: queues, the delivery worker, the schedules and the reconciler
// over one Redis. main.ts starts it for `--role worker`; tests start it with their own prefix.

export interface WorkerDeps {
  db: Db;
  clock: Clock;
  redisUrl: string;
  /** The bot's Presenter: turns a notice into the message with its buttons. */
  present: Presenter;
  /** The bot's Redrawer: keeps live messages true to changes made anywhere. */
  redraw?: Redrawer;
  /** The bot's NoticeKeeper: delivered notices are redrawn with their session. */
  keepNotice?: NoticeKeeper;
  /** The ChatPort of each connected platform. */
  ports: ReadonlyMap<Platform, ChatPort> | ChatPorts;
  logger: Logger;
  settings: JobSettings;
  /** BullMQ's key prefix: the deployment's (see redisNamespace), or a test's own. */
  prefix: string;
  /** Run the periodic schedulers and their watchdog (default true); tests drive ticks by hand instead. */
  schedules?: boolean;
  /** Told every delivery attempt's outcome (the process's metrics). */
  telemetry?: DeliveryTelemetry;
  /** The booking rules (minimum notice, waitlist claim minutes) the tick settles waitlist offers by; DEFAULT_CORE_CONFIG when not given. */
  coreConfig?: CoreConfig;
}

export interface RunningWorkers {
  queues: JobQueues;
  /** The delivery worker, for its events ('completed', 'failed'). */
  delivery: Worker<DeliveryJob, DeliveryOutcome>;
  /** Derive due reminders and prompts, and relay the outbox, now. */
  tick(): Promise<TickResult>;
  relay(): Promise<number>;
  reconcile(): Promise<ReconcileResult>;
  /** Delete the spent rows each prunable table keeps no longer (src/core/retention); answers how many, by table. */
  prune(): Promise<Record<string, number>>;
  /** Graceful stop: no new jobs, jobs in flight finish, connections close. */
  stop(): Promise<void>;
}

/**
 * A connection for BullMQ, which needs its commands to wait for Redis rather than fail (no retry
 * limit). Its connection errors are not logged: the process's shared connection (src/runtime/
 * infrastructure.ts) says once that Redis went and once that it is back, not at every reconnect.
 */
function queueConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null }).on('error', () => undefined);
}

/** Closes the queues and their connection; at once while Redis is away, rather than waiting for it. */
async function closeQueues(queues: JobQueues, connection: Redis): Promise<void> {
  // A queue's close waits for Redis to come back; a queue holds nothing of its own to flush, so
  // while Redis is away dropping the connection is the whole of closing.
  if (connection.status !== 'ready') return connection.disconnect();
  await Promise.all([queues.delivery.close(), queues.schedule.close()]);
  await connection.quit().catch(() => connection.disconnect());
}

/** Failing to reach Redis is the shared connection's to report, once per outage; anything else a worker meets is logged. */
function unlessConnectionError(log: (error: Error) => void): (error: Error) => void {
  return (error) => {
    const network = typeof (error as { syscall?: unknown }).syscall === 'string' || /Connection is closed/.test(error.message);
    if (!network) log(error);
  };
}

/** Opens the queues alone (for the admin API's queue board, or a producer). */
export function openQueues(redisUrl: string, prefix: string): { queues: JobQueues; reachable(): boolean; close(): Promise<void> } {
  const connection = queueConnection(redisUrl);
  const queues = createQueues(connection, prefix);
  return {
    queues,
    // While the connection is not up, the queues' commands wait for Redis to come back (no retry limit).
    reachable: () => connection.status === 'ready',
    close: () => closeQueues(queues, connection),
  };
}

export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const { settings, logger, prefix } = deps;
  const ports: ChatPorts = typeof deps.ports === 'function' ? deps.ports : (p) => (deps.ports as ReadonlyMap<Platform, ChatPort>).get(p);
  const connection = queueConnection(deps.redisUrl);
  await checkEvictionPolicy(connection, logger);
  const queues = createQueues(connection, prefix);
  const relayDeps = { db: deps.db, clock: deps.clock, queues, settings, coreConfig: deps.coreConfig };
  // Owed when a reconcile failed (PostgreSQL or Redis away) or BullMQ gave a delivery job up: the
  // watchdog then reconciles at its next check, seconds away, rather than JOBS_RECONCILE_MS later.
  let reconcileOwed = false;
  const work = {
    tick: () => tickReminders(relayDeps),
    relay: () => relayOutbox(relayDeps),
    reconcile: async () => {
      reconcileOwed = false;
      try {
        return await reconcile(relayDeps);
      } catch (error) {
        reconcileOwed = true;
        throw error;
      }
    },
    prune: async () => {
      const pruned = await pruneTables(deps.db, prunableTables(settings.retentionDays), deps.clock.now());
      if (Object.values(pruned).some((n) => n > 0)) logger.info({ pruned }, 'pruned spent rows');
      return pruned;
    },
  };

  const delivery = createDeliveryWorker({ ...deps, ports, queue: queues.delivery, connection, prefix });
  delivery.on('failed', (job, error) => {
    if (!job) return;
    if (job.attemptsMade < (job.opts.attempts ?? 1)) return logger.debug({ jobId: job.id, err: error }, 'delivery attempt failed; will retry');
    // Not the platform's doing (its failures are settled in PostgreSQL before BullMQ runs out): the
    // row is still undelivered, and the reconciler puts a new job in this one's place.
    logger.warn({ jobId: job.id, err: error }, 'delivery job given up by BullMQ; the reconciler enqueues it again');
    reconcileOwed = true;
  });
  delivery.on('error', unlessConnectionError((error) => logger.error({ err: error }, 'delivery worker error')));

  let scheduleWorker: ReturnType<typeof createScheduleWorker> | undefined;
  let stopWatchdog = () => {};
  if (deps.schedules ?? true) {
    await upsertSchedules(queues, settings);
    scheduleWorker = createScheduleWorker({ connection, prefix, work, settings });
    scheduleWorker.on('error', unlessConnectionError((error) => logger.error({ err: error }, 'schedule worker error')));
    stopWatchdog = watchSchedules({
      queues, settings, reconcile: work.reconcile, reconcileOwed: () => reconcileOwed, logger, everyMs: Math.min(settings.tickMs, 10_000),
    });
    // A start is a good moment to put back whatever a crash or a Redis restart lost; should PostgreSQL
    // be away just then, the watchdog tries again rather than the process failing to start.
    await work.reconcile().catch((error: unknown) => logger.error({ err: error }, 'reconcile failed; the watchdog tries again'));
  }

  return {
    queues,
    delivery,
    ...work,
    async stop() {
      stopWatchdog();
      // While Redis is away no job can finish (its completion is a Redis write): a graceful close
      // would wait for Redis until the grace period ran out. The reconciler redelivers what was cut.
      const redisAway = connection.status !== 'ready';
      if (redisAway) connection.disconnect();
      await Promise.all([delivery.close(redisAway), scheduleWorker?.close(redisAway)]);
      await closeQueues(queues, connection);
    },
  };
}

export { jobSettings, type JobSettings };
export { notificationJobId, type JobQueues } from './queues.ts';
export type { AttemptOutcome, ChatPorts, DeliveryTelemetry } from './delivery.ts';

/**
 * The worker process role (`--role worker`) from the parsed configuration: what main.ts calls once
 * it has the database, the bot's Presenter and the adapters' ChatPorts. Resolves once running; call
 * `stop()` on SIGTERM (jobs in flight finish first).
 */
export async function startWorkerRole(deps: Omit<WorkerDeps, 'settings' | 'redisUrl' | 'prefix'> & { config: Config }): Promise<RunningWorkers> {
  const settings = jobSettings(deps.config);
  const running = await startWorkers({ ...deps, redisUrl: deps.config.REDIS_URL, prefix: redisNamespace(deps.config, 'bull'), settings });
  deps.logger.info({ concurrency: settings.concurrency }, 'workers running');
  return running;
}
