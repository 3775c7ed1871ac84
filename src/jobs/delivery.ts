import DataLoader from 'dataloader';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ChatDeliveryError, UNREACHABLE_NOTICE, type ChatPort, type NoticeKeeper, type Presenter, type Recipient, type Redrawer } from '../bot/port.ts';
import type { MessageRef } from '../bot/inbound.ts';
import type { Platform } from '../bot/inbound.ts';
import type { Clock } from '../core/index.ts';
import { createNotificationDelivery, type ChatAddress, type ClaimResult, type ClaimedNotification } from '../core/notifications/index.ts';
import type { Db } from '../db/client.ts';
import { isDatabaseOutage } from './outage.ts';
import { DELIVERY_QUEUE, type DeliveryJob } from './queues.ts';
import type { JobSettings } from './settings.ts';

// The delivery worker: one job per outbox row. Claim (one conditional UPDATE), render through the
// bot's Presenter, send through the recipient's ChatPort, mark sent. The claims and marks of the jobs
// running at once travel together as one statement (DataLoader batches what is asked within BATCH_WINDOW_MS).
// Only the platform's failures spend attempts; a PostgreSQL outage is waited out with backoff.

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
  /** Redraws the live messages a delivered notice's change touches (the bot's); none when absent. */
  redraw?: Redrawer;
  /** Remembers a sent notice to keep it current (the bot's); none when absent. */
  keepNotice?: NoticeKeeper;
  ports: ChatPorts;
  logger: Logger;
  settings: JobSettings;
  telemetry?: DeliveryTelemetry;
  /** Whether a failure of PostgreSQL is an outage to wait out rather than a failed attempt (default isDatabaseOutage). */
  isOutage?: (error: unknown) => boolean;
}

export type DeliveryOutcome = 'sent' | 'settled' | 'skipped' | 'failed';

function reasonOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function recipientOf(a: ChatAddress): Recipient {
  return { platform: a.platform, scope: a.scope, platformUserId: a.platformUserId, dmChannelId: a.dmChannelId ?? undefined };
}


/**
 * How long a claim or a mark waits for others to share its statement. Jobs start and finish one
 * Redis answer at a time, seldom in the same tick; a few milliseconds gather a crowd of due reminders
 * into a fraction of the statements (and of PostgreSQL's commits, what a burst of deliveries waits on).
 */
const BATCH_WINDOW_MS = 2;
const batching = { cache: false, maxBatchSize: 200, batchScheduleFn: (run: () => void) => setTimeout(run, BATCH_WINDOW_MS) };

/** The most a delivery postponed by a PostgreSQL outage waits before it looks again: about a restart or failover. */
const OUTAGE_MAX_DELAY_MS = 60_000;

/** PostgreSQL could not be asked (see isDatabaseOutage): not an attempt at the platform, nor a failure of the notification. */
class DatabaseOutage extends Error {
  constructor(cause: unknown) {
    super(`PostgreSQL unavailable: ${reasonOf(cause)}`, { cause });
    this.name = 'DatabaseOutage';
  }
}

/** The function BullMQ runs for each delivery job (exported so a test can run it in a worker of its own). */
export function deliveryProcessor(deps: DeliveryDeps) {
  const { settings, logger } = deps;
  const telemetry = deps.telemetry ?? NO_TELEMETRY;
  const isOutage = deps.isOutage ?? isDatabaseOutage;
  const delivery = createNotificationDelivery(deps);
  // Claims and marks wait together for one statement: see NotificationDelivery.claimAndMark.
  const ledger = new DataLoader<{ claim: string } | { mark: string }, ClaimResult | boolean>(async (asks) => {
    const claim = asks.flatMap((a) => ('claim' in a ? [a.claim] : []));
    const markSent = asks.flatMap((a) => ('mark' in a ? [a.mark] : []));
    const done = await delivery.claimAndMark({ claim, markSent, leaseMs: settings.leaseMs });
    return asks.map((a) => ('claim' in a ? done.claims.get(a.claim)! : done.marked.has(a.mark)));
  }, batching);
  const claims = { load: (id: string) => ledger.load({ claim: id }) as Promise<ClaimResult> };
  const marks = { load: (id: string) => ledger.load({ mark: id }) as Promise<boolean> };

  /** Puts the job back to wait `ms` without spending one of BullMQ's attempts. */
  async function delay(job: Job<DeliveryJob>, token: string | undefined, ms: number): Promise<never> {
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError();
  }

  /** Our own bookkeeping in PostgreSQL: its outages are told apart from every other failure. */
  async function bookkeeping<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw isOutage(error) ? new DatabaseOutage(error) : error;
    }
  }

  /**
   * How long a job waits out an outage: the backoff, doubled for each earlier run of this job that
   * spent no attempt (an outage, a busy row), up to OUTAGE_MAX_DELAY_MS.
   */
  function outageDelayMs(job: Job<DeliveryJob>): number {
    const postponed = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
    return Math.min(settings.backoffMs * 2 ** postponed, Math.max(settings.backoffMs, OUTAGE_MAX_DELAY_MS));
  }

  async function markSent(id: string, sent: NonNullable<DeliveryJob['unmarked']>): Promise<'sent'> {
    // The one window for a duplicate: a crash between the platform's answer and this mark.
    if (await bookkeeping(marks.load(id))) {
      telemetry.attempted(sent.type, 'sent', Math.max(0, deps.clock.now().getTime() - sent.dueAtMs) / 1000);
    } else {
      logger.warn({ notificationId: id }, 'notification was sent after its claim had been taken over: it may arrive twice');
      telemetry.attempted(sent.type, 'sent');
    }
    return 'sent';
  }

  /**
   * Marks a row this worker has just sent, trying again through an outage for as long as its claim
   * holds: meanwhile no other worker may send it, and the retry needs neither Redis nor another run
   * of the job (a Redis restart could lose the job's `unmarked` note, and the row be sent again).
   */
  async function markWhileClaimed(id: string, sent: NonNullable<DeliveryJob['unmarked']>, claimEndsAt: number): Promise<'sent'> {
    for (let pause = 100; ; pause = Math.min(pause * 2, 2_000)) {
      try {
        return await markSent(id, sent);
      } catch (error) {
        if (!(error instanceof DatabaseOutage) || Date.now() + pause >= claimEndsAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /**
   * The messages kept current follow the change this row records, whether or not the row itself
   * is sent (its recipient may have no chat). A redraw is a courtesy: its failure is logged, and
   * never fails or delays the notice.
   */
  async function redraw(n: ClaimedNotification): Promise<void> {
    if (!deps.redraw) return;
    try {
      await deps.redraw({ id: n.id, userId: n.userId, type: n.type, payload: n.payload });
    } catch (error) {
      logger.warn({ err: error, notificationId: n.id }, 'live message redraw failed');
    }
  }

  /** The sent message is remembered to be redrawn with its session; like a redraw, a courtesy. */
  async function keepCurrent(n: ClaimedNotification, landed: MessageRef): Promise<void> {
    if (!deps.keepNotice) return;
    try {
      await deps.keepNotice({ id: n.id, userId: n.userId, type: n.type, payload: n.payload }, landed);
    } catch (error) {
      logger.warn({ err: error, notificationId: n.id }, 'could not keep a sent notice current');
    }
  }

  const portOf = (a: ChatAddress) => deps.ports(a.platform)!;

  /**
   * Once per failure, on the platform a notice just reached: why notices no longer go to the
   * platforms where delivery failed for good. A courtesy like a redraw: its failure is logged.
   */
  async function tellWhyNotThere(n: ClaimedNotification, reached: ChatAddress, through: ChatPort): Promise<void> {
    try {
      const others = n.addresses.filter((a) => a.identityId !== reached.identityId);
      const unreachable = await bookkeeping(delivery.claimTelling(others.map((a) => a.identityId)));
      if (!unreachable.length) return;
      const recipient = recipientOf(reached);
      const notice = { id: `${n.id}:unreachable`, userId: n.userId, type: UNREACHABLE_NOTICE, payload: { now: reached.platform, unreachable } };
      await through.send(recipient, await deps.present(notice, recipient));
    } catch (error) {
      logger.warn({ err: error, notificationId: n.id }, 'could not tell why a chat account gets no notices');
    }
  }

  async function deliver(job: Job<DeliveryJob>, token: string | undefined): Promise<DeliveryOutcome> {
    const id = job.data.notificationId;
    // The claim's lease as this worker can count on it: started before the claim was asked for, with
    // a second's margin for the clocks of this process and PostgreSQL.
    const claimEndsAt = Date.now() + settings.leaseMs - 1_000;
    const claim = await bookkeeping(claims.load(id));
    if (claim.outcome === 'settled') return 'settled';
    if (claim.outcome === 'busy') return delay(job, token, claim.retryInMs);
    const n = claim.notification;
    const finishAs = async (outcome: 'skipped' | 'failed', reason: string) => {
      await bookkeeping(delivery.settle(id, outcome, reason));
      telemetry.attempted(n.type, outcome);
      return outcome;
    };
    await redraw(n);
    if (n.staleReason) return finishAs('skipped', n.staleReason);
    if (!n.addresses.length) return finishAs('skipped', 'no_chat_identity: the user has not linked a chat account');
    // The preferred platform (or the one last used) first; one where delivery failed for good is
    // passed over until its user writes from it again, and the next linked platform gets the notice.
    const reachable = n.addresses.filter((a) => a.unreachableReason === null);
    if (!reachable.length) {
      return finishAs('failed', `unreachable: every linked chat account refused delivery (${n.addresses.map((a) => `${a.platform}: ${a.unreachableReason}`).join('; ')})`);
    }
    const notice = { id: n.id, userId: n.userId, type: n.type, payload: n.payload };
    const failures: string[] = [];
    let landed: MessageRef | undefined;
    let reached: ChatAddress | undefined;
    for (const [i, address] of reachable.entries()) {
      const port = deps.ports(address.platform);
      if (!port) {
        failures.push(`no_chat_port: ${address.platform} is not connected in this worker`);
        continue;
      }
      try {
        const recipient = recipientOf(address);
        landed = await port.send(recipient, await deps.present(notice, recipient));
        reached = address;
        break;
      } catch (error) {
        const reason = reasonOf(error);
        const permanent = error instanceof ChatDeliveryError && error.permanent;
        const last = i === reachable.length - 1;
        if (permanent) {
          // Failed for good here (blocked, uninstalled, closed): remembered, and the next one is tried now.
          await bookkeeping(delivery.markUnreachable(address.identityId, reason));
          logger.warn({ notificationId: id, platform: address.platform, reason }, 'chat account unreachable: trying the next linked platform');
          failures.push(reason);
          continue;
        }
        if (n.attempts >= settings.attempts && !last) {
          // Out of attempts on this one, but it may still answer later: the next platform takes this notice.
          failures.push(`${reason} (after ${n.attempts} attempts)`);
          continue;
        }
        if (n.attempts >= settings.attempts) {
          failures.push(`${reason} (after ${n.attempts} attempts)`);
          break;
        }
        await bookkeeping(delivery.release(id, reason));
        telemetry.attempted(n.type, 'retried');
        // The platform said when to come back (429 Retry-After): wait exactly that, not the backoff.
        if (error instanceof ChatDeliveryError && error.retryAfterMs !== undefined) return delay(job, token, error.retryAfterMs);
        throw error;
      }
    }
    if (!landed || !reached) {
      const reason = failures.join('; ') || 'no reachable chat account';
      await finishAs('failed', reason);
      logger.warn({ notificationId: id, attempts: n.attempts, reason }, 'notification delivery failed');
      return 'failed';
    }
    const sent = { type: n.type, dueAtMs: n.dueAt.getTime() };
    try {
      const outcome = await markWhileClaimed(id, sent, claimEndsAt);
      await keepCurrent(n, landed);
      await tellWhyNotThere(n, reached, portOf(reached));
      return outcome;
    } catch (error) {
      // The platform has the message and the outage outlasted the claim: the job remembers it, so
      // that its next run marks the row instead of taking the claim over and sending it again.
      if (error instanceof DatabaseOutage) await job.updateData({ ...job.data, unmarked: sent });
      throw error;
    }
  }

  return async (job: Job<DeliveryJob>, token?: string): Promise<DeliveryOutcome> => {
    try {
      return job.data.unmarked ? await markSent(job.data.notificationId, job.data.unmarked) : await deliver(job, token);
    } catch (error) {
      if (!(error instanceof DatabaseOutage)) throw error;
      // Waited out, not retried: an outage says nothing about the notification. A claim that failed
      // counted no attempt on the row, so none is spent in BullMQ either, and an outage longer than all
      // of them leaves no failed job behind (whose id would keep the row from being enqueued again).
      logger.debug({ notificationId: job.data.notificationId, err: error.cause }, 'delivery postponed: PostgreSQL unavailable');
      return delay(job, token, outageDelayMs(job));
    }
  };
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
