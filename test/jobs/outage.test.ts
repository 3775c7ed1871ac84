import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createNotificationDelivery } from '../../src/core/notifications/index.ts';
import { notificationJobId, openQueues } from '../../src/jobs/index.ts';
import { DELIVERY_QUEUE } from '../../src/jobs/queues.ts';
import { relayOutbox } from '../../src/jobs/relay.ts';
import { setupCore } from '../helpers/core.ts';
import { proxiedDb } from '../helpers/tcp-proxy.ts';
import { pendingNotification, RecordingPort, REDIS_URL, testPrefix, testSettings, testWorkers, untilSettled, type Delivered } from './harness.ts';
import type { RunningWorkers } from '../../src/jobs/index.ts';

// PostgreSQL unreachable for a delivery worker (its own connections go through a TCP proxy the test
// cuts; the shared server keeps running): the deliveries wait it out without spending the jobs'
// attempts, and go out once it is back, exactly once.

const { db, clock, databaseUrl } = await setupCore();

const { db: workerDb, proxy } = await proxiedDb(databaseUrl);

const pendingRow = () => pendingNotification(db, clock);

const row = (id: string) => db.notification.findUniqueOrThrow({ where: { id } });

/** BullMQ's own events of the workers' queue, read from Redis. */
async function queueEventsOf(jobs: RunningWorkers): Promise<QueueEvents> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const events = new QueueEvents(DELIVERY_QUEUE, { connection, prefix: jobs.queues.delivery.opts.prefix! });
  afterAll(async () => {
    await events.close();
    await connection.quit();
  });
  await events.waitUntilReady();
  return events;
}

/** Resolves once the job (or one whose id `jobId` matches) was put back to wait `n` times (BullMQ's 'delayed' event); rejects should BullMQ give it up. */
function postponed(events: QueueEvents, jobId: string | RegExp, n: number): Promise<void> {
  const its = (id: string) => (typeof jobId === 'string' ? id === jobId : jobId.test(id));
  let seen = 0;
  return new Promise((resolve, reject) => {
    events.on('delayed', (e) => its(e.jobId) && ++seen >= n && resolve());
    events.on('failed', (e) => its(e.jobId) && reject(new Error(`BullMQ gave the job up: ${e.failedReason}`)));
  });
}

describe('PostgreSQL unreachable for the delivery worker', () => {
  const settings = { attempts: 2, backoffMs: 5 };
  // BullMQ allows attempts + 1; more postponements than that would have failed the job for good.
  const moreThanAllAttempts = settings.attempts + 2;

  it('before the claim: the delivery waits it out without spending attempts, then goes out once', async () => {
    const port = new RecordingPort('web');
    const jobs = await testWorkers({ db: workerDb, clock, ports: [port], prefix: testPrefix(), settings });
    const events = await queueEventsOf(jobs);
    const id = await pendingRow();
    const jobId = notificationJobId(id);
    const waited = postponed(events, jobId, moreThanAllAttempts);
    proxy.cut();
    try {
      await relayOutbox({ db, clock, queues: jobs.queues, settings: testSettings(settings) });
      await waited;
      const job = (await jobs.queues.delivery.getJob(jobId))!;
      expect(job.attemptsMade).toBe(0);
      expect(await job.getState()).not.toBe('failed');
      expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(port.attempts).toEqual([]);
    } finally {
      proxy.restore();
    }
    await port.waitFor((m) => m.id === id, 1);
    await untilSettled(jobs, async () => (await row(id)).status === 'sent');
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1, failureReason: null });
    expect(port.sent.filter((m) => m.id === id)).toHaveLength(1);
  });

  it("between the platform's answer and the mark: the row is marked once it is back, not sent again", async () => {
    // A lease that ends at once: a run that claimed the row again would take it over and send twice.
    const port = new RecordingPort('web');
    const jobs = await testWorkers({ db: workerDb, clock, ports: [port], prefix: testPrefix(), settings: { ...settings, leaseMs: 1 } });
    const events = await queueEventsOf(jobs);
    const id = await pendingRow();
    const jobId = notificationJobId(id);
    const waited = postponed(events, jobId, moreThanAllAttempts);
    // The platform accepts the message, and PostgreSQL goes away before the worker can mark it.
    port.behaviour = (m: Delivered) => void (m.id === id && proxy.cut());
    try {
      await relayOutbox({ db, clock, queues: jobs.queues, settings: testSettings(settings) });
      await waited;
      const job = (await jobs.queues.delivery.getJob(jobId))!;
      expect(job.attemptsMade).toBe(0);
      expect(job.data).toMatchObject({ unmarked: { type: 'member.assigned' } });
      expect(await row(id)).toMatchObject({ status: 'sending', attempts: 1 });
    } finally {
      proxy.restore();
    }
    await untilSettled(jobs, async () => (await row(id)).status === 'sent');
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(port.attempts.filter((m) => m.id === id)).toHaveLength(1);
    expect(port.sent.filter((m) => m.id === id)).toHaveLength(1);
  });

  it('after the send, in a batch: the row leaves the batch only to be marked, never to be sent again', async () => {
    const port = new RecordingPort('web');
    const jobs = await testWorkers({ db: workerDb, clock, ports: [port], prefix: testPrefix(), settings: { ...settings, leaseMs: 1 } });
    const events = await queueEventsOf(jobs);
    const [first, second] = [await pendingRow(), await pendingRow()];
    // The job of its own that takes the first row from the batch (n-<row>.<batch>.<run>), waiting for PostgreSQL.
    const waited = postponed(events, new RegExp(`^${notificationJobId(first)}\\.b-`), moreThanAllAttempts);
    port.behaviour = (m: Delivered) => void (m.id === first && proxy.cut());
    try {
      await relayOutbox({ db, clock, queues: jobs.queues, settings: testSettings(settings) });
      await waited;
      expect(await row(first)).toMatchObject({ status: 'sending', attempts: 1 });
    } finally {
      proxy.restore();
    }
    await untilSettled(jobs, async () => (await row(first)).status === 'sent' && (await row(second)).status === 'sent');
    expect(await row(first)).toMatchObject({ status: 'sent', attempts: 1 });
    for (const id of [first, second]) expect(port.sent.filter((m) => m.id === id), id).toHaveLength(1);
  });

  it("a batch's rerun only marks the rows it sent before, even through another outage", async () => {
    const port = new RecordingPort('web');
    const [sentBefore, pending] = [await pendingRow(), await pendingRow()];
    // A crashed run of this batch sent `sentBefore` and could not mark it; its claim has run out.
    await createNotificationDelivery({ db, clock }).claim([sentBefore], 1);
    const prefix = testPrefix();
    const producer = openQueues(REDIS_URL, prefix);
    afterAll(() => producer.close());
    await producer.queues.delivery.add('deliver', { notificationIds: [sentBefore, pending], unmarked: { [sentBefore]: { type: 'member.assigned', dueAtMs: clock.now().getTime() } } }, { jobId: 'b-rerun' });
    proxy.cut();
    try {
      const jobs = await testWorkers({ db: workerDb, clock, ports: [port], prefix, settings: { ...settings, leaseMs: 1 } });
      const events = await queueEventsOf(jobs);
      // Both rows leave the batch to wait for PostgreSQL, the first still only to be marked.
      await postponed(events, new RegExp(`^${notificationJobId(sentBefore)}\\.b-rerun`), moreThanAllAttempts);
      proxy.restore();
      await untilSettled(jobs, async () => (await row(sentBefore)).status === 'sent' && (await row(pending)).status === 'sent');
    } finally {
      proxy.restore();
    }
    expect(port.attempts.filter((m) => m.id === sentBefore)).toHaveLength(0);
    expect(port.sent.filter((m) => m.id === pending)).toHaveLength(1);
  });
});
