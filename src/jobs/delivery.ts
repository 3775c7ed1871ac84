import DataLoader from 'dataloader';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ChatDeliveryError, type ChatPort, type Presenter, type Recipient } from '../bot/port.ts';
import type { Platform } from '../bot/inbound.ts';
import type { Clock } from '../core/index.ts';
import { createNotificationDelivery, type ClaimResult, type ClaimedNotification } from '../core/notifications/index.ts';
import { isDatabaseTimeout, isDatabaseUnavailable, type Db } from '../db/client.ts';
import { DELIVERY_QUEUE, type DeliveryJob } from './queues.ts';
import type { JobSettings } from './settings.ts';

// The delivery worker: one job per outbox row. Claim (one conditional UPDATE), render through the
// bot's Presenter, send through the recipient's ChatPort, mark sent. Claims and marks of the jobs
// running at once travel as one statement each (DataLoader batches what is asked in one tick).

export type ChatPorts = (platform: Platform) => ChatPort | undefined;

/** What one delivery attempt came to: sent, to be tried again, given up on, or not to be sent at all. */
export type AttemptOutcome = 'sent' | 'retried' | 'failed' | 'skipped';

/** Told each attempt's outcome, for the process's metrics (src/runtime); a job that found nothing to do is no attempt. */
export interface DeliveryTelemetry {
  /** `kind` is the notification's type; `lateSeconds`, for one marked sent, is how long after it fell due. */
  attempted(kind: string, outcome: AttemptOutcome, lateSeconds?: number): void;
}

const NO_TELEMETRY: DeliveryTelemetry = { attempted() {} };

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  present: Presenter;
  ports: ChatPorts;
  logger: Logger;
  settings: JobSettings;
  telemetry?: DeliveryTelemetry;
}

export type DeliveryOutcome = 'sent' | 'settled' | 'skipped' | 'failed';

function reasonOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function recipientOf(n: ClaimedNotification): Recipient {
  const a = n.address!;
  return { platform: a.platform, scope: a.scope, platformUserId: a.platformUserId, dmChannelId: a.dmChannelId ?? undefined };
}

/** The function BullMQ runs for each delivery job (exported so a test can run it in a worker of its own). */
export function deliveryProcessor(deps: DeliveryDeps) {
  const { settings, logger } = deps;
  const telemetry = deps.telemetry ?? NO_TELEMETRY;
  const delivery = createNotificationDelivery(deps);
  const claims = new DataLoader<string, ClaimResult>(
    async (ids) => {
      const results = await delivery.claim(ids, settings.leaseMs);
      return ids.map((id) => results.get(id)!);
    },
    { cache: false, maxBatchSize: 200 },
  );
  const marks = new DataLoader<string, boolean>(
    async (ids) => {
      const marked = await delivery.markSent(ids);
      return ids.map((id) => marked.has(id));
    },
    { cache: false, maxBatchSize: 200 },
  );

  /** Puts the job back to wait `ms` without spending one of BullMQ's attempts. */
  async function delay(job: Job<DeliveryJob>, token: string | undefined, ms: number): Promise<never> {
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError();
  }

  return async (job: Job<DeliveryJob>, token?: string): Promise<DeliveryOutcome> => {
    const id = job.data.notificationId;
    const claim = await claims.load(id);
    if (claim.outcome === 'settled') return 'settled';
    if (claim.outcome === 'busy') return delay(job, token, claim.retryInMs);
    const n = claim.notification;
    const finishAs = async (outcome: 'skipped' | 'failed', reason: string) => {
      await delivery.settle(id, outcome, reason);
      telemetry.attempted(n.type, outcome);
      return outcome;
    };
    if (n.staleReason) return finishAs('skipped', n.staleReason);
    if (!n.address) return finishAs('skipped', 'no_chat_identity: the user has not linked a chat account');
    const port = deps.ports(n.address.platform);
    if (!port) return finishAs('failed', `no_chat_port: ${n.address.platform} is not connected in this worker`);
    try {
      const recipient = recipientOf(n);
      const view = await deps.present({ id: n.id, userId: n.userId, type: n.type, payload: n.payload }, recipient);
      await port.send(recipient, view);
    } catch (error) {
      const reason = reasonOf(error);
      const permanent = error instanceof ChatDeliveryError && error.permanent;
      if (permanent || n.attempts >= settings.attempts) {
        await finishAs('failed', permanent ? reason : `${reason} (after ${n.attempts} attempts)`);
        logger.warn({ notificationId: id, attempts: n.attempts, reason }, 'notification delivery failed');
        return 'failed';
      }
      await delivery.release(id, reason);
      telemetry.attempted(n.type, 'retried');
      // The platform said when to come back (429 Retry-After): wait exactly that, not the backoff.
      if (error instanceof ChatDeliveryError && error.retryAfterMs !== undefined) return delay(job, token, error.retryAfterMs);
      throw error;
    }
    // The one window for a duplicate: a crash between the platform's answer and this mark.
    if (await markSent(id, Date.now() + settings.leaseMs)) {
      telemetry.attempted(n.type, 'sent', Math.max(0, deps.clock.now().getTime() - n.dueAt.getTime()) / 1000);
    } else {
      logger.warn({ notificationId: id }, 'notification was sent after its claim had been taken over: it may arrive twice');
      telemetry.attempted(n.type, 'sent');
    }
    return 'sent';
  };

  /**
   * Marks a sent notification, through a database outage: failing the job here would send it again
   * once the claim's lease ran out. Tried until `until` (the lease's end, after which another worker
   * may take the notification over, so a later mark would be a duplicate's anyway).
   */
  async function markSent(id: string, until: number): Promise<boolean> {
    for (let pause = 100; ; pause = Math.min(pause * 2, 2_000)) {
      try {
        return await marks.load(id);
      } catch (error) {
        if (!(isDatabaseUnavailable(error) || isDatabaseTimeout(error)) || Date.now() + pause >= until) throw error;
        logger.warn({ notificationId: id, err: error }, 'sent, but the database is unreachable: marking it again shortly');
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}

/** A delivery worker on its own Redis connection (BullMQ blocks one per worker). */
export function createDeliveryWorker(deps: DeliveryDeps & { connection: Redis; prefix: string; autorun?: boolean }) {
  return new Worker<DeliveryJob, DeliveryOutcome>(DELIVERY_QUEUE, deliveryProcessor(deps), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: deps.settings.concurrency,
    stalledInterval: deps.settings.stalledIntervalMs,
    lockDuration: deps.settings.lockDurationMs,
    autorun: deps.autorun ?? true,
  });
}
