import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { writeNotifications } from '../../src/core/notifications/index.ts';
import { checkEvictionPolicy } from '../../src/jobs/redis-policy.ts';
import { startWorkers } from '../../src/jobs/index.ts';
import { Redis } from 'ioredis';
import { setupCore } from '../helpers/core.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { makeMember } from '../helpers/factories.ts';
import { linkChat, noticePresenter, RecordingPort, REDIS_URL, silentLogger, testPrefix, testSettings } from './harness.ts';

// Starting and stopping a worker process: the periodic schedules exist in Redis once started, a
// stop lets the delivery in flight finish and be marked, and a Redis that may evict jobs is named.

const { db, clock } = await setupCore();

describe('worker lifecycle', () => {
  it('registers the tick, relay, reconcile and prune schedules, and a graceful stop lets the delivery in flight finish', async () => {
    const user = await makeMember(db);
    await linkChat(db, user.id);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const port = new RecordingPort('web', () => released);
    const prefix = testPrefix();
    const jobs = await startWorkers({
      db, clock, redisUrl: REDIS_URL, present: noticePresenter, ports: new Map([['web', port]]), logger: silentLogger,
      settings: testSettings(), prefix, schedules: true,
    });
    try {
      const schedulers = await jobs.queues.schedule.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual(['prune', 'reconcile', 'relay', 'tick']);
      const dedupeKey = `test:${randomUUID()}`;
      await writeNotifications(db, [{ userId: user.id, type: 'member.assigned', payload: {}, dedupeKey, deliverAfter: clock.now() }]);
      await jobs.relay();
      await port.waitForAttempts(1);
      const stopping = jobs.stop();
      release();
      await stopping;
      const row = await db.notification.findUniqueOrThrow({ where: { dedupeKey } });
      expect(row.status).toBe('sent');
    } finally {
      const cleanup = new Redis(REDIS_URL);
      const keys = await cleanup.keys(`${prefix}:*`);
      if (keys.length) await cleanup.del(...keys);
      await cleanup.quit();
    }
  });

  it('warns when Redis may evict keys (a redis-server of its own with allkeys-lru), and stays quiet under noeviction', async () => {
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) };
    const evicting = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
    const client = new Redis(evicting.url);
    try {
      expect(await checkEvictionPolicy(client, logger)).toBe('allkeys-lru');
    } finally {
      await client.quit();
      await evicting.stop();
    }
    expect(JSON.stringify(warnings)).toContain('noeviction');
    warnings.length = 0;
    const safe = await startRedisServer();
    const quiet = new Redis(safe.url);
    try {
      expect(await checkEvictionPolicy(quiet, logger)).toBe('noeviction');
      expect(warnings).toEqual([]);
    } finally {
      await quiet.quit();
      await safe.stop();
    }
  });
});
