import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobSettings } from './settings.ts';

// The two queues of the jobs: `notifications` carries the outbox rows due within minutes (the rows
// falling due at one moment share a job, a row alone has a job of its own), `schedules` carries the
// periodic ticks (reminders, relay, reconcile, prune) as BullMQ job schedulers.

export const DELIVERY_QUEUE = 'notifications';
export const SCHEDULE_QUEUE = 'schedules';

/** A row the platform accepted but PostgreSQL could not be told of (an outage): its type and due time. */
export interface Unmarked {
  type: string;
  dueAtMs: number;
}

/** One row's job: a row due alone, a row's retry, or a row of a batch that must wait. */
export interface SingleDeliveryJob {
  notificationId: string;
  /**
   * Set when the platform accepted the message but PostgreSQL could not be told (an outage): the
   * next run only marks the row sent, instead of sending again once the claim's lease runs out.
   */
  unmarked?: Unmarked;
}

/**
 * The rows falling due at one moment (up to ROWS_PER_JOB): 10,000 reminders of sessions at 10:00
 * are 100 jobs, not 10,000, so BullMQ's own cost per job is paid once per hundred deliveries. Each
 * row is still claimed, sent and marked on its own; one that must wait or be tried again leaves
 * the batch as a job of its own (SingleDeliveryJob).
 */
export interface BatchDeliveryJob {
  notificationIds: string[];
  /** Rows of this batch sent before an outage kept their marks out (see SingleDeliveryJob): a rerun only marks them. */
  unmarked?: Record<string, Unmarked>;
}

export type DeliveryJob = SingleDeliveryJob | BatchDeliveryJob;

/** The rows a delivery job is about. */
export function rowsOf(job: DeliveryJob): string[] {
  return 'notificationIds' in job ? job.notificationIds : [job.notificationId];
}

/** Most rows one delivery job carries. */
export const ROWS_PER_JOB = 100;

export type ScheduleName = 'tick' | 'relay' | 'reconcile' | 'prune';

export interface JobQueues {
  delivery: Queue<DeliveryJob>;
  schedule: Queue<Record<string, never>>;
}

/** The deterministic job id of a row due alone. BullMQ custom ids cannot contain ':'. */
export function notificationJobId(notificationId: string): string {
  return `n-${notificationId}`;
}

/** The deterministic job id of a batch: the same rows give the same id. */
export function batchJobId(notificationIds: readonly string[]): string {
  return `b-${createHash('sha256').update(notificationIds.join(',')).digest('hex').slice(0, 32)}`;
}

export function createQueues(connection: Redis, prefix: string): JobQueues {
  // A queue re-emits its connection's errors, which BullMQ prints with their stack at every
  // reconnect when nobody listens; the process's shared connection logs an outage once instead.
  const quiet = <Q extends Queue>(queue: Q) => queue.on('error', () => undefined) as Q;
  return {
    delivery: quiet(new Queue<DeliveryJob>(DELIVERY_QUEUE, { connection, prefix })),
    schedule: quiet(new Queue<Record<string, never>>(SCHEDULE_QUEUE, { connection, prefix })),
  };
}

/** Job options of a delivery: PostgreSQL's attempt count decides failure, so BullMQ allows one more. */
export function deliveryJobOptions(settings: Pick<JobSettings, 'attempts' | 'backoffMs'>, delayMs: number) {
  return {
    delay: Math.max(0, delayMs),
    attempts: settings.attempts + 1,
    backoff: { type: 'exponential' as const, delay: settings.backoffMs },
    removeOnComplete: true,
    removeOnFail: { count: 1000 },
  };
}
