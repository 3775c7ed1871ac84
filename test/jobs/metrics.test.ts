import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNotifications } from '../../src/core/notifications/index.ts';
import { createQueues } from '../../src/jobs/queues.ts';
import { bareServer } from '../../src/runtime/api.ts';
import { createProcessMetrics, QUEUE_STATES } from '../../src/runtime/metrics.ts';
import { setupCore } from '../helpers/core.ts';
import { makeMember } from '../helpers/factories.ts';
import { parseExposition, valueOf } from '../helpers/prometheus.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { linkChat, RecordingPort, REDIS_URL, silentLogger, testPrefix, testWorkers, untilSettled } from './harness.ts';

// The server of a worker process (`--role worker`): /healthz, /readyz and /metrics, with the
// delivery outcomes and their lateness, the queue depths read from Redis and the backlog read from
// PostgreSQL when scraped. The clock is manual, so the lateness and the backlog's age are exact.

const { db, clock } = await setupCore();
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
afterAll(() => redis.quit());

const SECOND = 1_000;
const TOKEN = 'worker-metrics-token-0123456789';

async function workerServer(deps: { metrics: ReturnType<typeof createProcessMetrics>; redis: Redis; token?: string }) {
  const app = await bareServer({ db, redis: deps.redis, logger: silentLogger, readiness: { state: 'ready' }, metrics: deps.metrics, metricsToken: deps.token });
  afterAll(() => app.close());
  return app;
}

describe('the worker process server', () => {
  it('shows the backlog due, then after the deliveries their outcomes, their lateness and the queue depths', async () => {
    const metrics = createProcessMetrics();
    const member = await makeMember(db);
    await linkChat(db, member.id);
    const unlinked = await makeMember(db);
    // The platform refuses the cancellation notice once: one retry, then it goes out.
    const port = new RecordingPort('web', (m, attempt) => {
      if (m.type === 'booking.cancelled' && attempt === 1) throw new Error('platform hiccup');
    });
    // Relayed up to an hour ahead, so a notice due in half an hour waits in the queue as a delayed job.
    const workers = await testWorkers({ db, clock, ports: [port], telemetry: metrics.deliveries, settings: { windowMs: 3_600 * SECOND } });
    metrics.watchQueues(Object.values(workers.queues));
    metrics.watchBacklog({ db, clock });
    const app = await workerServer({ metrics, redis, token: TOKEN });
    const scrape = async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.statusCode).toBe(200);
      return parseExposition(res.body);
    };

    const now = clock.now().getTime();
    const key = () => `test:${randomUUID()}`;
    await writeNotifications(db, [
      { userId: member.id, type: 'member.assigned', payload: {}, dedupeKey: key(), deliverAfter: new Date(now - 90 * SECOND) },
      { userId: member.id, type: 'booking.cancelled', payload: {}, dedupeKey: key(), deliverAfter: new Date(now - 30 * SECOND) },
      { userId: unlinked.id, type: 'member.assigned', payload: {}, dedupeKey: key(), deliverAfter: new Date(now - 10 * SECOND) },
      { userId: member.id, type: 'session.reminder', payload: {}, dedupeKey: key(), deliverAfter: new Date(now + 1_800 * SECOND) },
    ]);
    const waiting = await scrape();
    expect(valueOf(waiting, 'coachbot_notifications_due')).toBe(3);
    expect(valueOf(waiting, 'coachbot_notification_oldest_due_seconds')).toBe(90);

    await workers.relay();
    const settled = async () => (await db.notification.count({ where: { userId: { in: [member.id, unlinked.id] }, status: { in: ['sent', 'skipped'] } } })) === 3;
    await untilSettled(workers, settled);

    const after = await scrape();
    expect(valueOf(after, 'coachbot_notifications_due')).toBe(0);
    expect(valueOf(after, 'coachbot_notification_oldest_due_seconds')).toBe(0);
    expect(valueOf(after, 'coachbot_notifications_total', { kind: 'member.assigned', outcome: 'sent' })).toBe(1);
    expect(valueOf(after, 'coachbot_notifications_total', { kind: 'member.assigned', outcome: 'skipped' })).toBe(1);
    expect(valueOf(after, 'coachbot_notifications_total', { kind: 'booking.cancelled', outcome: 'retried' })).toBe(1);
    expect(valueOf(after, 'coachbot_notifications_total', { kind: 'booking.cancelled', outcome: 'sent' })).toBe(1);
    // Marked sent 90 s and 30 s after they fell due (the clock stands still).
    const latency = 'coachbot_notification_delivery_latency_seconds';
    expect(valueOf(after, `${latency}_count`, { kind: 'member.assigned' })).toBe(1);
    expect(valueOf(after, `${latency}_sum`, { kind: 'member.assigned' })).toBe(90);
    expect(valueOf(after, `${latency}_bucket`, { kind: 'member.assigned', le: '60' })).toBe(0);
    expect(valueOf(after, `${latency}_bucket`, { kind: 'member.assigned', le: '120' })).toBe(1);
    expect(valueOf(after, `${latency}_sum`, { kind: 'booking.cancelled' })).toBe(30);

    expect(after.get('coachbot_queue_jobs')?.type).toBe('gauge');
    for (const queue of ['notifications', 'schedules']) {
      for (const state of QUEUE_STATES) expect(valueOf(after, 'coachbot_queue_jobs', { queue, state }), `${queue} ${state}`).toBeTypeOf('number');
    }
    expect(valueOf(after, 'coachbot_queue_jobs', { queue: 'notifications', state: 'delayed' })).toBe(1);
    expect(valueOf(after, 'coachbot_queue_jobs', { queue: 'notifications', state: 'active' })).toBe(0);
  });

  it('carries /healthz and /readyz, and /metrics answers 401 without its token', async () => {
    const app = await workerServer({ metrics: createProcessMetrics(), redis, token: TOKEN });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', process: 'ready', checks: { postgres: 'up', redis: 'up' } });
    const refused = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-but-long-enough' } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ statusCode: 401, error: 'invalid_metrics_token' });
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('with Redis gone, /metrics still answers 200, without the queue gauge and counting the read it left out; /readyz says Redis is down', async () => {
    const dedicated = await startRedisServer();
    const connection = new Redis(dedicated.url, { maxRetriesPerRequest: null });
    const queues = createQueues(connection, testPrefix());
    const probe = new Redis(dedicated.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const metrics = createProcessMetrics();
    metrics.watchQueues(Object.values(queues));
    metrics.watchBacklog({ db, clock });
    const app = await workerServer({ metrics, redis: probe });
    let stopped = false;
    const scrape = async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      return parseExposition(res.body);
    };
    try {
      await queues.delivery.add('n', { notificationId: randomUUID() }, { delay: 3_600_000 });
      const up = await scrape();
      expect(valueOf(up, 'coachbot_queue_jobs', { queue: 'notifications', state: 'delayed' })).toBe(1);
      expect(valueOf(up, 'coachbot_metrics_read_failures_total', { read: 'queue_jobs' })).toBeUndefined();

      const lost = once(connection, 'close');
      stopped = true;
      await dedicated.stop();
      await lost;
      const down = await scrape();
      expect(down.has('coachbot_queue_jobs')).toBe(false);
      expect(valueOf(down, 'coachbot_metrics_read_failures_total', { read: 'queue_jobs' })).toBe(1);
      // What PostgreSQL holds is still reported.
      expect(valueOf(down, 'coachbot_notifications_due')).toBeTypeOf('number');
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'not_ready', checks: { postgres: 'up', redis: 'down' } });
    } finally {
      connection.disconnect();
      probe.disconnect();
      await Promise.all([queues.delivery.close(), queues.schedule.close()]);
      if (!stopped) await dedicated.stop();
    }
  });
});
