import DataLoader from 'dataloader';
import pLimit from 'p-limit';
import { DelayedError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ChatDeliveryError, UNREACHABLE_NOTICE, type ChatPort, type NoticeKeeper, type Presenter, type Recipient, type Redrawer } from '../bot/port.ts';
import type { MessageRef } from '../bot/inbound.ts';
import type { Platform } from '../bot/inbound.ts';
import type { Clock } from '../core/index.ts';
import { createNotificationDelivery, type ChatAddress, type ClaimResult, type ClaimedNotification } from '../core/notifications/index.ts';
import type { Db } from '../db/client.ts';
import { isDatabaseOutage } from './outage.ts';
import { DELIVERY_QUEUE, deliveryJobOptions, notificationJobId, type BatchDeliveryJob, type DeliveryJob, type SingleDeliveryJob, type Unmarked } from './queues.ts';
import type { JobSettings } from './settings.ts';

// The delivery worker. A job carries one outbox row, or the rows falling due at one moment (a batch,
// see BatchDeliveryJob). Each row: claim (one conditional UPDATE), render through the bot's
// Presenter, send through the recipient's ChatPort, mark sent. The claims and marks of the rows
// running at once travel together as one statement (DataLoader batches what is asked within
// BATCH_WINDOW_MS), and at most JOBS' `concurrency` rows run at once, whatever their jobs. Only the
// platform's failures spend attempts; a PostgreSQL outage is waited out with backoff.

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
  /** The delivery queue, where a batch's rows that must wait or be tried again go as jobs of their own. */
  queue: Queue<DeliveryJob>;
  logger: Logger;
  settings: JobSettings;
  telemetry?: DeliveryTelemetry;
  /** Whether a failure of PostgreSQL is an outage to wait out rather than a failed attempt (default isDatabaseOutage). */
  isOutage?: (error: unknown) => boolean;
}

/** What a job came to: a batch answers the best of its rows' (sent, then failed, skipped, settled). */
export type DeliveryOutcome = 'sent' | 'settled' | 'skipped' | 'failed';

/** What one attempt at a row came to, or what the row needs next. */
type Attempt =
  | { done: DeliveryOutcome }
  /** Another worker holds the row, or it is not due yet: look again after this many ms. */
  | { wait: number }
  /** The platform failed and the row was given back: try again (after `retryAfterMs` when the platform said). */
  | { retry: unknown; attempts: number; retryAfterMs?: number }
  /** Sent, but the mark could not be written within the claim (an outage): the next run only marks it. */
  | { unmarked: Unmarked; outage: DatabaseOutage };

/** A message the platform accepted for a claimed row, not yet marked sent. */
interface Landed {
  n: ClaimedNotification;
  landed: MessageRef;
  reached: ChatAddress;
  claimEndsAt: number;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function recipientOf(a: ChatAddress): Recipient {
  return { platform: a.platform, scope: a.scope, platformUserId: a.platformUserId, dmChannelId: a.dmChannelId ?? undefined };
}


/**
 * How long a claim or a mark waits for others to share its statement. Rows start and finish a few
 * at a time, seldom in the same tick; a few milliseconds gather a crowd of due reminders into a
 * fraction of the statements (and of PostgreSQL's commits, what a burst of deliveries waits on).
 * A crowd is cut into statements of STATEMENT_ROWS asks, so that several run at once on
 * PostgreSQL's cores rather than one long one (measured by `npm run bench -- reminders`).
 */
const BATCH_WINDOW_MS = 2;
const STATEMENT_ROWS = 32;
const batching = { cache: false, maxBatchSize: STATEMENT_ROWS, batchScheduleFn: (run: () => void) => setTimeout(run, BATCH_WINDOW_MS) };

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
    const claim = [...new Set(asks.flatMap((a) => ('claim' in a ? [a.claim] : [])))];
    const markSent = asks.flatMap((a) => ('mark' in a ? [a.mark] : []));
    const done = await delivery.claimAndMark({ claim, markSent, leaseMs: settings.leaseMs });
    // Two jobs of this worker may carry one row (a batch and a reconciler's job after Redis lost the
    // batch): the statement claims it once, and only the first ask may send. The other waits out the
    // lease like any ask finding the row claimed, and then finds it settled.
    const answered = new Set<string>();
    return asks.map((a) => {
      if ('mark' in a) return done.marked.has(a.mark);
      const result = done.claims.get(a.claim)!;
      if (result.outcome !== 'claimed') return result;
      if (answered.has(a.claim)) return { outcome: 'busy', retryInMs: settings.leaseMs } satisfies ClaimResult;
      answered.add(a.claim);
      return result;
    });
  }, batching);
  const claims = { load: (id: string) => ledger.load({ claim: id }) as Promise<ClaimResult> };
  const marks = { load: (id: string) => ledger.load({ mark: id }) as Promise<boolean> };
  // Rows between claim and send at once, across every job of this worker: a batch's hundred rows
  // share these slots with the rest. Marking happens after a row gives its slot back.
  const sending = pLimit(settings.concurrency);

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

  async function markSent(id: string, sent: Unmarked): Promise<'sent'> {
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
  async function markWhileClaimed(id: string, sent: Unmarked, claimEndsAt: number): Promise<'sent'> {
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

  /**
   * The part of an attempt that holds one of the worker's delivery slots: claim, render and send
   * (claimed rows never wait for a slot, so a lease is spent sending, not queueing). Answers the
   * message that landed, or what the attempt came to without one.
   */
  async function claimAndSend(id: string): Promise<Attempt | Landed> {
    // The claim's lease as this worker can count on it: started before the claim was asked for, with
    // a second's margin for the clocks of this process and PostgreSQL.
    const claimEndsAt = Date.now() + settings.leaseMs - 1_000;
    const claim = await bookkeeping(claims.load(id));
    if (claim.outcome === 'settled') return { done: 'settled' };
    if (claim.outcome === 'busy') return { wait: claim.retryInMs };
    const n = claim.notification;
    const finishAs = async (outcome: 'skipped' | 'failed', reason: string): Promise<Attempt> => {
      await bookkeeping(delivery.settle(id, outcome, reason));
      telemetry.attempted(n.type, outcome);
      return { done: outcome };
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
        return { retry: error, attempts: n.attempts, retryAfterMs: error instanceof ChatDeliveryError ? error.retryAfterMs : undefined };
      }
    }
    if (!landed || !reached) {
      const reason = failures.join('; ') || 'no reachable chat account';
      await finishAs('failed', reason);
      logger.warn({ notificationId: id, attempts: n.attempts, reason }, 'notification delivery failed');
      return { done: 'failed' };
    }
    return { n, landed, reached, claimEndsAt };
  }

  /**
   * One attempt at one row: claim, render, send, then mark. Answers what it came to, or what the row
   * needs next: another look once `retryInMs` has passed (another worker's claim, not yet due), or a
   * retry of the platform's failure. Throws DatabaseOutage when PostgreSQL could not be asked.
   */
  async function attempt(id: string): Promise<Attempt> {
    const result = await sending(() => claimAndSend(id));
    if (!('landed' in result)) return result;
    const { n, landed, reached, claimEndsAt } = result;
    const sent = { type: n.type, dueAtMs: n.dueAt.getTime() };
    try {
      await markWhileClaimed(id, sent, claimEndsAt);
    } catch (error) {
      // The platform has the message and the outage outlasted the claim: the row's next run must
      // mark it, not take the claim over and send it again.
      if (error instanceof DatabaseOutage) return { unmarked: sent, outage: error };
      throw error;
    }
    await keepCurrent(n, landed);
    await tellWhyNotThere(n, reached, portOf(reached));
    return { done: 'sent' };
  }

  /** One row's run: its attempt, or only the mark of a message sent before an outage. */
  const runRow = async (id: string, unmarked?: Unmarked): Promise<Attempt> => (unmarked ? { done: await markSent(id, unmarked) } : attempt(id));

  /** A job of one row: whatever the row needs next is this job's own next run (BullMQ's backoff for a retry). */
  async function deliverOne(job: Job<DeliveryJob>, data: SingleDeliveryJob, token: string | undefined): Promise<DeliveryOutcome> {
    const result = await runRow(data.notificationId, data.unmarked);
    if ('done' in result) return result.done;
    if ('wait' in result) return delay(job, token, result.wait);
    if ('unmarked' in result) {
      await job.updateData({ ...data, unmarked: result.unmarked });
      throw result.outage;
    }
    if (result.retryAfterMs !== undefined) return delay(job, token, result.retryAfterMs);
    throw result.retry;
  }

  /**
   * A batch: every row runs at once (within the worker's limit of simultaneous deliveries), and a
   * row that must wait or be tried again leaves the batch as a job of its own, delayed as its own
   * job would have been, so the batch finishes with what could be done now.
   */
  async function deliverBatch(job: Job<DeliveryJob>, batch: BatchDeliveryJob): Promise<DeliveryOutcome> {
    const later: { data: SingleDeliveryJob; delayMs: number }[] = [];
    const results = await Promise.all(
      batch.notificationIds.map(async (id) => {
        try {
          const result = await runRow(id, batch.unmarked?.[id]);
          if ('done' in result) return result.done;
          if ('wait' in result) later.push({ data: { notificationId: id }, delayMs: result.wait });
          else if ('unmarked' in result) later.push({ data: { notificationId: id, unmarked: result.unmarked }, delayMs: settings.backoffMs });
          else later.push({ data: { notificationId: id }, delayMs: result.retryAfterMs ?? settings.backoffMs * 2 ** Math.max(0, result.attempts - 1) });
        } catch (error) {
          if (!(error instanceof DatabaseOutage)) logger.warn({ notificationId: id, err: error }, 'delivery failed unexpectedly; tried again as a job of its own');
          // A row this batch only had to mark keeps that note in its own job.
          const sent = batch.unmarked?.[id];
          later.push({ data: { notificationId: id, ...(sent ? { unmarked: sent } : {}) }, delayMs: error instanceof DatabaseOutage ? outageDelayMs(job) : settings.backoffMs });
        }
        return undefined;
      }),
    );
    const unmarked = later.flatMap(({ data }) => (data.unmarked ? [[data.notificationId, data.unmarked] as const] : []));
    // Remembered by the batch too: should this worker die before the batch finishes, its rerun marks
    // these rather than taking their claims over once the leases run out, and sending them again.
    if (unmarked.length) await job.updateData({ ...batch, unmarked: { ...batch.unmarked, ...Object.fromEntries(unmarked) } });
    if (later.length) {
      // Should Redis refuse these, the batch fails and runs again: its sent rows are found settled.
      await deps.queue.addBulk(
        later.map(({ data, delayMs }) => ({
          name: 'deliver',
          data,
          opts: { ...deliveryJobOptions(settings, delayMs), jobId: `${notificationJobId(data.notificationId)}.${job.id}.${job.attemptsStarted}` },
        })),
      );
    }
    const outcomes = new Set(results);
    return outcomes.has('sent') ? 'sent' : outcomes.has('failed') ? 'failed' : outcomes.has('skipped') ? 'skipped' : 'settled';
  }

  return async (job: Job<DeliveryJob>, token?: string): Promise<DeliveryOutcome> => {
    const data = job.data;
    if ('notificationIds' in data) return deliverBatch(job, data);
    try {
      return await deliverOne(job, data, token);
    } catch (error) {
      if (!(error instanceof DatabaseOutage)) throw error;
      // Waited out, not retried: an outage says nothing about the notification. A claim that failed
      // counted no attempt on the row, so none is spent in BullMQ either, and an outage longer than all
      // of them leaves no failed job behind (whose id would keep the row from being enqueued again).
      logger.debug({ notificationId: data.notificationId, err: error.cause }, 'delivery postponed: PostgreSQL unavailable');
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
