import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobSettings } from './settings.ts';

// The two queues of the jobs: `notifications` carries one job per outbox row due within minutes,
// `schedules` carries the periodic ticks (reminders, relay, reconcile, prune) as BullMQ job schedulers.

export const DELIVERY_QUEUE = 'notifications';
export const SCHEDULE_QUEUE = 'schedules';

export interface DeliveryJob {
  notificationId: string;
  /**
   * Set when the platform accepted the message but PostgreSQL could not be told (an outage): the
   * next run only marks the row sent, instead of sending again once the claim's lease runs out.
   */
  unmarked?: { type: string; dueAtMs: number };
}

export type ScheduleName = 'tick' | 'relay' | 'reconcile' | 'prune';

export interface JobQueues {
  delivery: Queue<DeliveryJob>;
  schedule: Queue<Record<string, never>>;
}

/** The deterministic job id of a notification: one job per row. BullMQ custom ids cannot contain ':'. */
export function notificationJobId(notificationId: string): string {
  return `n-${notificationId}`;
}

export function createQueues(connection: Redis, prefix: string): JobQueues {
  return {
    delivery: new Queue<DeliveryJob>(DELIVERY_QUEUE, { connection, prefix }),
    schedule: new Queue<Record<string, never>>(SCHEDULE_QUEUE, { connection, prefix }),
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
