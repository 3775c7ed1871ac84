import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock, CoreTelemetry } from '../core/index.ts';
import { notificationBacklog, NOTIFICATION_TYPES } from '../core/notifications/index.ts';
import type { Db } from '../db/client.ts';
import type { AttemptOutcome, DeliveryTelemetry } from '../jobs/index.ts';

// The process's metrics in Prometheus's text format, served at GET /metrics by its server. One
// registry per process, never prom-client's global one, so that tests building several apps in one
// process each count their own. Counters are fed through core's and the jobs' telemetry ports; what
// lives elsewhere (queue depths in Redis, the notification backlog in PostgreSQL) is read when
// scraped, each read bounded in time: with Redis or PostgreSQL away a scrape still answers, without
// the gauges it could not read (rather than with stale or zero values that would hide the outage).

export const METRIC_PREFIX = 'coachbot_';

/** The BullMQ job states reported; `completed` is left out (delivery jobs are removed once complete). */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;

/** Lateness of a delivery, from under a second (an immediate notice) to hours (a stuck reminder). */
const LATENESS_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

/** How long a scrape waits for Redis or PostgreSQL: well inside Prometheus's default 10 s scrape timeout. */
export const SCRAPE_READ_TIMEOUT_MS = 2_000;

const KNOWN_KINDS = new Set<string>(NOTIFICATION_TYPES);

export interface ProcessMetrics {
  /** The Content-Type of the exposition (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** The exposition of every metric, the scrape-time gauges read now. */
  expose(): Promise<string>;
  /** Core's telemetry port: bookings made and refused. */
  readonly core: CoreTelemetry;
  /** The delivery worker's telemetry port: attempts and their lateness. */
  readonly deliveries: DeliveryTelemetry;
  /** Reports these queues' job counts at each scrape, until the function returned is called. */
  watchQueues(queues: readonly Queue[]): () => void;
  /** Reports the notifications due and not yet settled at each scrape (worker processes), until the function returned is called. */
  watchBacklog(deps: { db: Db; clock: Clock }): () => void;
}

/** A scrape-time read: what it found, written into the scrape's own registry. */
interface ScrapeRead {
  name: string;
  read(): Promise<(scrape: Registry) => void>;
}

/** The read's result, or a rejection once `ms` have passed; a read that fails later is ignored then. */
async function within<T>(read: Promise<T>, ms: number): Promise<T> {
  read.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function jobCounts(queue: Queue): Promise<Record<string, number>> {
  const client = await queue.getBackend().connection.client;
  // A connection that is away would queue the command until it is back: ask only a ready one.
  if (client.status !== 'ready') throw new Error(`Redis connection is ${client.status}`);
  return queue.getJobCounts(...QUEUE_STATES);
}

export function createProcessMetrics(options: { logger?: Logger } = {}): ProcessMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];

  const bookings = new Counter({
    name: 'coachbot_bookings_total',
    help: 'Bookings newly confirmed (a retried request answered again is not counted), by the channel that asked (api, bot)',
    labelNames: ['source'] as const,
    registers,
  });
  const rejections = new Counter({
    name: 'coachbot_booking_rejections_total',
    help: 'Booking attempts refused, by channel and reason (the domain error code; busy: a lock wait ran out; other: anything else)',
    labelNames: ['source', 'reason'] as const,
    registers,
  });
  // Both channels from the start, so that rate() sees a process's first booking.
  for (const source of ['api', 'bot'] as const) bookings.inc({ source }, 0);

  const notifications = new Counter({
    name: 'coachbot_notifications_total',
    help: 'Notification delivery attempts by kind (notification type) and outcome (sent, retried, failed, skipped)',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const lateness = new Histogram({
    name: 'coachbot_notification_delivery_latency_seconds',
    help: 'From when a notification fell due (its reminder time, or when an immediate one was written) to when it was marked sent',
    labelNames: ['kind'] as const,
    buckets: LATENESS_BUCKETS,
    registers,
  });
  const readFailures = new Counter({
    name: 'coachbot_metrics_read_failures_total',
    help: 'Scrapes that left out gauges they could not read, Redis or PostgreSQL being away or slower than 2 s (read: queue_jobs, notifications_due)',
    labelNames: ['read'] as const,
    registers,
  });

  const queues = new Set<Queue>();
  const reads = new Set<ScrapeRead>();

  const queueRead: ScrapeRead = {
    name: 'queue_jobs',
    async read() {
      // A process holding the same queues twice (the API's board and the workers) reads them once.
      const byName = new Map<string, Queue>();
      for (const queue of queues) if (!byName.has(queue.qualifiedName)) byName.set(queue.qualifiedName, queue);
      const counts = await Promise.all([...byName.values()].map(async (queue) => ({ queue: queue.name, counts: await jobCounts(queue) })));
      return (scrape) => {
        const gauge = new Gauge({
          name: 'coachbot_queue_jobs',
          help: 'BullMQ jobs by queue and state, read from Redis when scraped (every process holding the queues reports them: aggregate with max, not sum)',
          labelNames: ['queue', 'state'] as const,
          registers: [scrape],
        });
        for (const { queue, counts: byState } of counts) {
          for (const state of QUEUE_STATES) gauge.set({ queue, state }, byState[state] ?? 0);
        }
      };
    },
  };

  return {
    contentType: registry.contentType,

    async expose() {
      const scrape = new Registry();
      await Promise.all(
        [...reads].map(async (r) => {
          try {
            const write = await within(r.read(), SCRAPE_READ_TIMEOUT_MS);
            write(scrape);
          } catch (error) {
            readFailures.inc({ read: r.name });
            options.logger?.debug({ err: error, read: r.name }, 'metrics: left out a gauge it could not read');
          }
        }),
      );
      return Registry.merge([registry, scrape]).metrics();
    },

    core: {
      bookingConfirmed: (source) => bookings.inc({ source }),
      bookingRefused: (source, reason) => rejections.inc({ source, reason }),
    },

    deliveries: {
      attempted(type: string, outcome: AttemptOutcome, lateSeconds?: number) {
        const kind = KNOWN_KINDS.has(type) ? type : 'other';
        notifications.inc({ kind, outcome });
        if (lateSeconds !== undefined) lateness.observe({ kind }, lateSeconds);
      },
    },

    watchQueues(watched) {
      if (watched.length === 0) return () => {};
      for (const queue of watched) queues.add(queue);
      reads.add(queueRead);
      return () => {
        for (const queue of watched) queues.delete(queue);
        if (queues.size === 0) reads.delete(queueRead);
      };
    },

    watchBacklog({ db, clock }) {
      const read: ScrapeRead = {
        name: 'notifications_due',
        async read() {
          const now = clock.now();
          const backlog = await notificationBacklog(db, now);
          return (scrape) => {
            new Gauge({
              name: 'coachbot_notifications_due',
              help: 'Notifications due and not yet sent, failed or skipped (read from PostgreSQL when scraped)',
              registers: [scrape],
            }).set(backlog.due);
            new Gauge({
              name: 'coachbot_notification_oldest_due_seconds',
              help: 'How long the oldest notification due and not yet sent, failed or skipped has waited (0 when none)',
              registers: [scrape],
            }).set(backlog.oldestDueAt ? Math.max(0, now.getTime() - backlog.oldestDueAt.getTime()) / 1000 : 0);
          };
        },
      };
      reads.add(read);
      return () => void reads.delete(read);
    },
  };
}
