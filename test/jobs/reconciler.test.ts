import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNotifications } from '../../src/core/notifications/index.ts';
import { createDb } from '../../src/db/client.ts';
import { deliveryProcessor } from '../../src/jobs/delivery.ts';
import { notificationJobId, openQueues } from '../../src/jobs/index.ts';
import { DELIVERY_QUEUE, type DeliveryJob } from '../../src/jobs/queues.ts';
import { reconcile } from '../../src/jobs/reconciler.ts';
import { enqueueDeliveries, relayOutbox } from '../../src/jobs/relay.ts';
import { setupCore } from '../helpers/core.ts';
import { makeMember } from '../helpers/factories.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { linkChat, noticePresenter, RecordingPort, REDIS_URL, silentLogger, testPrefix, testSettings, testWorkers, untilSettled } from './harness.ts';

// A row PostgreSQL says is undelivered, whose job BullMQ has finished with (failed, or completed),
// is not left stuck behind that job's id: the reconciler replaces the job, and the row goes out once.
// Real PostgreSQL and Redis; the finished jobs are made by BullMQ itself.

const { db, clock, databaseUrl } = await setupCore();

async function pendingRow(): Promise<string> {
  const user = await makeMember(db);
  await linkChat(db, user.id);
  const dedupeKey = `test:${randomUUID()}`;
  await writeNotifications(db, [{ userId: user.id, type: 'member.assigned', payload: { test: dedupeKey }, dedupeKey, deliverAfter: clock.now() }]);
  return (await db.notification.findUniqueOrThrow({ where: { dedupeKey } })).id;
}

const row = (id: string) => db.notification.findUniqueOrThrow({ where: { id } });

/** Queues of `prefix` for the test's own adds and reads; closed after the file. */
function producerOf(prefix: string) {
  const producer = openQueues(REDIS_URL, prefix);
  afterAll(async () => {
    await producer.queues.delivery.obliterate({ force: true });
    await producer.close();
  });
  return producer;
}

/** A new worker reconciles: the row's finished job is replaced and the row delivered exactly once. */
async function expectReplacedAndDeliveredOnce(prefix: string, id: string) {
  const port = new RecordingPort('web');
  const jobs = await testWorkers({ db, clock, ports: [port], prefix });
  expect(await jobs.reconcile()).toMatchObject({ replaced: 1 });
  await port.waitFor((m) => m.id === id, 1);
  await untilSettled(jobs, async () => (await row(id)).status === 'sent');
  // Reconciling again finds nothing to replace, and the message went out once.
  expect(await jobs.reconcile()).toMatchObject({ replaced: 0 });
  expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
  expect(port.sent.filter((m) => m.id === id)).toHaveLength(1);
}

describe('the reconciler, for an undelivered row whose job BullMQ finished with', () => {
  it('a job failed after its attempts ran out while PostgreSQL was unreachable is replaced, and the row delivered once', async () => {
    const prefix = testPrefix();
    const producer = producerOf(prefix);
    const settings = testSettings({ attempts: 2, backoffMs: 5 });
    const id = await pendingRow();
    const jobId = notificationJobId(id);

    // A worker whose PostgreSQL is cut off and that counts every failure as an attempt, as the
    // delivery worker once did: its claims fail until BullMQ gives the job up.
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(databaseUrl).port || 5432) });
    const url = new URL(databaseUrl);
    url.host = proxy.address;
    const unreachable = createDb(url.toString(), { max: 2 });
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const port = new RecordingPort('web');
    const processor = deliveryProcessor({
      db: unreachable, clock, present: noticePresenter, ports: () => port, logger: silentLogger, settings, isOutage: () => false,
    });
    const worker = new Worker<DeliveryJob>(DELIVERY_QUEUE, processor, { connection, prefix });
    try {
      const givenUp = new Promise<void>((resolve) =>
        worker.on('failed', (job) => job?.id === jobId && job.attemptsMade >= job.opts.attempts! && resolve()));
      proxy.cut();
      await relayOutbox({ db, clock, queues: producer.queues, settings });
      await givenUp;
    } finally {
      await worker.close();
      await connection.quit();
      await unreachable.$disconnect();
      await proxy.close();
    }
    expect(await producer.queues.delivery.getJobState(jobId)).toBe('failed');
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0 });
    // Adding the row's job again is a no-op beside the failed one: what left it stuck.
    await enqueueDeliveries({ db, clock, queues: producer.queues, settings }, [{ id, deliverAfterMs: clock.now().getTime() }]);
    expect(await producer.queues.delivery.getJobState(jobId)).toBe('failed');
    expect(port.attempts).toEqual([]);

    await expectReplacedAndDeliveredOnce(prefix, id);
  });

  it('a completed job kept under the row id (an older release kept them, or one completed by hand) is replaced likewise', async () => {
    const prefix = testPrefix();
    const producer = producerOf(prefix);
    const id = await pendingRow();
    const jobId = notificationJobId(id);
    await producer.queues.delivery.add('deliver', { notificationId: id }, { jobId, removeOnComplete: false });
    // Completed through BullMQ's own manual processing: taken with a lock, then moved to completed.
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const hand = new Worker<DeliveryJob>(DELIVERY_QUEUE, null, { connection, prefix });
    try {
      const token = randomUUID();
      const job = (await hand.getNextJob(token))!;
      expect(job.id).toBe(jobId);
      await job.moveToCompleted('settled', token, false);
    } finally {
      await hand.close();
      await connection.quit();
    }
    expect(await producer.queues.delivery.getJobState(jobId)).toBe('completed');
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0 });

    await expectReplacedAndDeliveredOnce(prefix, id);
  });

  it('a job still waiting, or one a worker is running, is left alone', async () => {
    const prefix = testPrefix();
    const producer = producerOf(prefix);
    const settings = testSettings();
    const id = await pendingRow();
    const jobId = notificationJobId(id);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const port = new RecordingPort('web', () => released);
    await relayOutbox({ db, clock, queues: producer.queues, settings });
    const added = (await producer.queues.delivery.getJob(jobId))!.timestamp;
    expect(await reconcile({ db, clock, queues: producer.queues, settings })).toMatchObject({ replaced: 0 });
    const waiting = (await producer.queues.delivery.getJob(jobId))!;
    expect([await waiting.getState(), waiting.timestamp]).toEqual(['waiting', added]);
    const jobs = await testWorkers({ db, clock, ports: [port], prefix });
    // The worker holds the job (and its lock) in the middle of sending.
    await port.waitForAttempts(1);
    expect(await jobs.queues.delivery.getJobState(jobId)).toBe('active');
    expect(await jobs.reconcile()).toMatchObject({ replaced: 0 });
    expect(await jobs.queues.delivery.getJobState(jobId)).toBe('active');
    release();
    await untilSettled(jobs, async () => (await row(id)).status === 'sent');
    expect(port.attempts.filter((m) => m.id === id)).toHaveLength(1);
  });
});
