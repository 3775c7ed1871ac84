import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ChatDeliveryError } from '../../src/bot/port.ts';
import { writeNotifications } from '../../src/core/notifications/index.ts';
import { openQueues } from '../../src/jobs/index.ts';
import { relayOutbox } from '../../src/jobs/relay.ts';
import { rowsOf } from '../../src/jobs/queues.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { actorOf, makeAdmin, makeMember } from '../helpers/factories.ts';
import { coachWorld, HOUR, setWindows } from '../core/bookings.fixtures.ts';
import { linkChat, RecordingPort, REDIS_URL, testPrefix, stopWorkers, testSettings, testWorkers, untilSettled, type Delivered } from './harness.ts';
import type { RunningWorkers } from '../../src/jobs/index.ts';

// What must survive: a worker killed mid-delivery, a Redis that lost all its data, a platform that
// keeps failing. Real PostgreSQL and Redis; short, configured leases instead of fake timers; every
// wait is for an event (a message, a process exit, a finished job).

const { db, core, clock, databaseUrl } = await setupCore();

async function outboxRow(userId: string, type: 'member.assigned' | 'booking.cancelled' = 'member.assigned'): Promise<string> {
  const dedupeKey = `test:${randomUUID()}`;
  await writeNotifications(db, [{ userId, type, payload: { test: dedupeKey }, dedupeKey, deliverAfter: clock.now() }]);
  return (await db.notification.findUniqueOrThrow({ where: { dedupeKey } })).id;
}

async function linkedMember() {
  const user = await makeMember(db);
  await linkChat(db, user.id);
  return user;
}

describe('a ChatPort that fails', () => {
  const port = new RecordingPort('web');
  const failures = new Map<string, (attempt: number) => void>();
  port.behaviour = (m: Delivered, attempt: number) => failures.get(m.id)?.(attempt);
  const jobsReady = testWorkers({ db, clock, ports: [port], settings: { attempts: 4, backoffMs: 5 } });
  // Collected here so that its cleanup is known; awaited by the first test that needs it.

  const row = (id: string) => db.notification.findUniqueOrThrow({ where: { id } });
  async function settled(id: string) {
    const jobs = await jobsReady;
    await jobs.relay();
    await untilSettled(jobs, async () => ['sent', 'failed', 'skipped'].includes((await row(id)).status));
    return row(id);
  }

  it('fails N times, then is delivered once: retried with backoff, the last failure recorded', async () => {
    const user = await linkedMember();
    const id = await outboxRow(user.id);
    failures.set(id, (attempt) => {
      if (attempt <= 2) throw new ChatDeliveryError(`platform unavailable (${attempt})`);
    });
    const done = await settled(id);
    expect(done).toMatchObject({ status: 'sent', attempts: 3, failureReason: 'ChatDeliveryError: platform unavailable (2)' });
    expect(port.sent.filter((m) => m.id === id)).toHaveLength(1);
    expect(port.attempts.filter((m) => m.id === id)).toHaveLength(3);
  });

  it('fails every time: retried up to the limit, then recorded failed with its reason, visible to an admin', async () => {
    const user = await linkedMember();
    const id = await outboxRow(user.id);
    failures.set(id, () => {
      throw new Error('connection reset');
    });
    const done = await settled(id);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(4);
    expect(done.failureReason).toBe('Error: connection reset (after 4 attempts)');
    expect(port.sent.filter((m) => m.id === id)).toHaveLength(0);
    const admin = await actorOf(db, await makeAdmin(db));
    const listed = await core.notifications.list(admin, { userId: user.id, status: 'failed', failureReason: 'connection reset' });
    expect(listed.items.map((n) => [n.id, n.failureReason])).toEqual([[id, 'Error: connection reset (after 4 attempts)']]);
  });

  it('a permanent failure (user blocked the bot) is recorded at once, not retried', async () => {
    const user = await linkedMember();
    const id = await outboxRow(user.id);
    failures.set(id, () => {
      throw new ChatDeliveryError('bot was blocked by the user', { permanent: true });
    });
    const done = await settled(id);
    expect(done).toMatchObject({ status: 'failed', attempts: 1, failureReason: 'ChatDeliveryError: bot was blocked by the user' });
  });

  it("a platform's retry-after is waited out before the next attempt", async () => {
    const user = await linkedMember();
    const id = await outboxRow(user.id);
    const tried: number[] = [];
    failures.set(id, (attempt) => {
      tried.push(performance.now());
      if (attempt === 1) throw new ChatDeliveryError('429 Too Many Requests', { permanent: false, retryAfterMs: 300 });
    });
    const done = await settled(id);
    expect(done).toMatchObject({ status: 'sent', attempts: 2 });
    // A lower bound only: the job was delayed by the platform's own figure, not the 5 ms backoff.
    expect(tried[1]! - tried[0]!).toBeGreaterThanOrEqual(290);
  });
});

describe('a worker killed with SIGKILL in the middle of delivering', () => {
  it('the notification is delivered exactly once after a new worker starts', async () => {
    const prefix = testPrefix();
    // Short leases so the test does not wait a minute: BullMQ sees the dead worker's job as stalled
    // after its lock (1 s) ends, and the row's claim can be taken over after 1.5 s.
    const settings = { leaseMs: 1500, lockDurationMs: 1000, stalledIntervalMs: 500 };
    const user = await linkedMember();
    const id = await outboxRow(user.id);
    const child: ChildProcess = fork('test/jobs/blocking-worker.ts', [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BLOCKING_WORKER: JSON.stringify({ databaseUrl, redisUrl: REDIS_URL, prefix, now: clock.now().getTime(), settings }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = once(child, 'exit');
    const messages = (want: string) =>
      new Promise<void>((resolve) => child.on('message', (m: Record<string, unknown>) => want in m && resolve()));
    const ready = messages('ready');
    const sending = messages('sending');
    await ready;
    const producer = openQueues(REDIS_URL, prefix);
    try {
      await relayOutbox({ db, clock, queues: producer.queues, settings: testSettings(settings) });
    } finally {
      await producer.close();
    }
    await sending;
    child.kill('SIGKILL');
    await exited;
    expect((await db.notification.findUniqueOrThrow({ where: { id } })).status).toBe('sending');

    const port = new RecordingPort('web');
    const jobs = await testWorkers({ db, clock, ports: [port], prefix, settings });
    await port.waitFor((m) => m.id === id, 1);
    await untilSettled(jobs, async () => (await db.notification.findUniqueOrThrow({ where: { id } })).status === 'sent');
    await jobs.reconcile();
    const row = await db.notification.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(port.sent.filter((m) => m.id === id)).toHaveLength(1);
  });
});

const redisReady = startRedisServer();
afterAll(async () => (await redisReady).stop());

describe('Redis loses all its data (FLUSHALL)', () => {
  it('every due reminder and notification still goes out, once', async () => {
    const port = new RecordingPort('web');
    const jobs = await testWorkers({ db, clock, ports: [port], redisUrl: (await redisReady).url });
    try {
      await flushedAndReconciled(jobs, port);
    } finally {
      await stopWorkers(jobs);
    }
  });
});

async function flushedAndReconciled(jobs: RunningWorkers, port: RecordingPort) {
    await jobs.delivery.pause(true);

    clock.set(TEST_EPOCH);
    const w = await coachWorld(db, { members: 1 });
    await setWindows(db, w.coach.user.id, [{ dayOfWeek: 2, startTime: '08:00', endTime: '18:00' }]);
    await linkChat(db, w.coach.user.id);
    await linkChat(db, w.members[0]!.user.id);
    const m = w.members[0]!;
    // Booked by an admin, who is not a party: both parties get a confirmation.
    const booking = await core.bookings.create(w.admin.actor, { memberId: m.user.memberId!, coachId: w.coach.user.id, requestedDate: '2030-01-08', requestedTime: '11:00' }, randomUUID());
    // Monday 11:00: the booking's two confirmations and the two 24 h reminders are in Redis ...
    clock.set(new Date(TEST_EPOCH.getTime() + 2 * HOUR));
    await jobs.tick();
    // Rows carried by the jobs waiting in Redis (the two confirmations share a job, the two reminders another).
    const queued = async () => (await jobs.queues.delivery.getJobs(['waiting', 'delayed', 'prioritized'])).flatMap((j) => rowsOf(j.data)).length;
    expect(await queued()).toBeGreaterThanOrEqual(4);
    // ... when Redis loses everything.
    const admin = new Redis((await redisReady).url);
    await admin.flushall();
    await admin.quit();
    expect(await queued()).toBe(0);

    jobs.delivery.resume();
    expect((await jobs.reconcile()).requeued).toBeGreaterThanOrEqual(4);
    const about = (x: Delivered) => x.payload.sessionId === booking.sessionId;
    const got = await port.waitFor(about, 4);
    expect(got.map((x) => x.type).sort()).toEqual(['booking.confirmed', 'booking.confirmed', 'session.reminder', 'session.reminder']);
    const rows = () => db.notification.findMany({ where: { payload: { path: ['sessionId'], equals: booking.sessionId! } } });
    await untilSettled(jobs, async () => (await rows()).every((r) => r.status === 'sent'));
    await jobs.reconcile();
    expect(port.sent.filter(about).map((x) => x.id).sort()).toEqual((await rows()).map((r) => r.id).sort());
}
