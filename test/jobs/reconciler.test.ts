import { randomUUID } from 'node:crypto';
import { QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/client.ts';
import { deliveryProcessor, type ChatPorts } from '../../src/jobs/delivery.ts';
import { notificationJobId, openQueues, startWorkers, type JobSettings } from '../../src/jobs/index.ts';
import { DELIVERY_QUEUE, SCHEDULE_QUEUE, type DeliveryJob } from '../../src/jobs/queues.ts';
import { reconcile } from '../../src/jobs/reconciler.ts';
import { enqueueDeliveries, relayOutbox } from '../../src/jobs/relay.ts';
import { setupCore } from '../helpers/core.ts';
import { proxiedDb, startTcpProxy } from '../helpers/tcp-proxy.ts';
import { pendingNotification, noticePresenter, RecordingPort, REDIS_URL, silentLogger, testPrefix, testSettings, testWorkers, untilSettled } from './harness.ts';

// A row PostgreSQL says is undelivered, whose job BullMQ has finished with (failed, or completed),
// is not left stuck behind that job's id: the reconciler replaces the job, and the row goes out once.
// Real PostgreSQL and Redis; the finished jobs are made by BullMQ itself.

const { db, clock, databaseUrl } = await setupCore();

const pendingRow = () => pendingNotification(db, clock);

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
      db: unreachable, clock, present: noticePresenter, ports: () => port, queue: producer.queues.delivery, logger: silentLogger, settings, isOutage: () => false,
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

describe('the watchdog, when a reconcile is owed', () => {
  // The schedulers run, with a reconcile period far longer than the test: whatever is repaired here
  // is repaired by the watchdog (every tick, 1 s here).
  const settings = { tickMs: 1_000, reconcileMs: 3_600_000, attempts: 2, backoffMs: 5 };

  async function scheduledWorkers(deps: { db: Db; prefix: string; ports: ChatPorts; settings?: Partial<JobSettings> }) {
    const jobs = await startWorkers({
      db: deps.db, clock, redisUrl: REDIS_URL, present: noticePresenter, ports: deps.ports, logger: silentLogger,
      settings: testSettings({ ...settings, ...deps.settings }), prefix: deps.prefix, schedules: true,
    });
    afterAll(async () => {
      await jobs.stop();
      const queues = openQueues(REDIS_URL, deps.prefix);
      await queues.queues.delivery.obliterate({ force: true });
      await queues.queues.schedule.obliterate({ force: true });
      await queues.close();
    });
    return jobs;
  }

  it('a worker starting while PostgreSQL is unreachable starts, and reconciles once it is back', async () => {
    const prefix = testPrefix();
    const producer = producerOf(prefix);
    const id = await pendingRow();
    const jobId = notificationJobId(id);
    // The row's job failed for good (by hand, through BullMQ: one attempt, failed by its holder).
    await producer.queues.delivery.add('deliver', { notificationId: id }, { jobId, attempts: 1 });
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const hand = new Worker<DeliveryJob>(DELIVERY_QUEUE, null, { connection, prefix });
    try {
      const token = randomUUID();
      await (await hand.getNextJob(token))!.moveToFailed(new Error('Redis went away mid-job'), token);
    } finally {
      await hand.close();
      await connection.quit();
    }
    expect(await producer.queues.delivery.getJobState(jobId)).toBe('failed');

    const { db: workerDb, proxy } = await proxiedDb(databaseUrl);
    // The scheduled reconcile runs once at start too: it must have failed before PostgreSQL is back.
    const eventsConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const scheduleEvents = new QueueEvents(SCHEDULE_QUEUE, { connection: eventsConnection, prefix });
    afterAll(async () => {
      await scheduleEvents.close();
      await eventsConnection.quit();
    });
    await scheduleEvents.waitUntilReady();
    const scheduledFailed = new Promise<void>((resolve) => scheduleEvents.on('failed', (e) => e.jobId.includes('reconcile') && resolve()));
    const port = new RecordingPort('web');
    proxy.cut();
    const jobs = await scheduledWorkers({ db: workerDb, prefix, ports: () => port });
    await scheduledFailed;
    expect(await producer.queues.delivery.getJobState(jobId)).toBe('failed');
    proxy.restore();
    await port.waitFor((m) => m.id === id, 1);
    await untilSettled(jobs, async () => (await row(id)).status === 'sent');
    expect(port.sent.filter((m) => m.id === id)).toHaveLength(1);
  });

  it('a delivery job BullMQ gives up on (a failure not the platform\'s) is replaced at the next check', async () => {
    const prefix = testPrefix();
    const port = new RecordingPort('web');
    // Until told otherwise, looking the platform up fails: an error of the worker's own, every attempt.
    let broken = true;
    const ports: ChatPorts = (platform) => {
      if (broken) throw new Error('the worker cannot find its ports');
      return platform === 'web' ? port : undefined;
    };
    // A lease that ends at once, so that each attempt claims the row again instead of waiting it out.
    const jobs = await scheduledWorkers({ db, prefix, ports, settings: { leaseMs: 1 } });
    const id = await pendingRow();
    const jobId = notificationJobId(id);
    const givenUp = new Promise<void>((resolve) =>
      jobs.delivery.on('failed', (job) => {
        if (job?.id !== jobId || job.attemptsMade < job.opts.attempts!) return;
        broken = false;
        resolve();
      }));
    await jobs.relay();
    await givenUp;
    await port.waitFor((m) => m.id === id, 1);
    await untilSettled(jobs, async () => (await row(id)).status === 'sent');
    expect(port.sent.filter((m) => m.id === id)).toHaveLength(1);
  });
});
