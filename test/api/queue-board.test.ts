import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { openQueues } from '../../src/jobs/index.ts';
import { setupCore } from '../helpers/core.ts';
import { makeUser } from '../helpers/factories.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { REDIS_URL, TEST_API_CONFIG } from './harness.ts';
import { testPrefix } from '../jobs/doubles.ts';

// The operator's queue board is mounted on the admin API for admins only: a bearer token, or the
// token as a browser's Basic auth password; anyone else gets 401 or 403 and sees nothing.

const { core, db } = await setupCore();
const producer = openQueues(REDIS_URL, testPrefix());
const app = await buildApp({ core, db, config: TEST_API_CONFIG, queues: [producer.queues.delivery, producer.queues.schedule] });
await app.ready();
afterAll(async () => {
  await app.close();
  await producer.queues.delivery.obliterate({ force: true });
  await producer.close();
});

const tokenOf = async (role: 'Admin' | 'Member') => (await core.tokens.issue({ user: (await makeUser(db, role)).id })).token;
const basic = (token: string) => `Basic ${Buffer.from(`operator:${token}`).toString('base64')}`;

describe('queue board at /admin/queues', () => {
  it('asks a browser for credentials, and refuses a member', async () => {
    const anonymous = await app.inject({ url: '/admin/queues' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic /);
    const member = await tokenOf('Member');
    expect((await app.inject({ url: '/admin/queues', headers: { authorization: `Bearer ${member}` } })).statusCode).toBe(403);
    expect((await app.inject({ url: '/admin/queues/api/queues', headers: { authorization: basic(member) } })).statusCode).toBe(403);
    expect((await app.inject({ url: '/admin/queues', headers: { authorization: basic('not-a-token') } })).statusCode).toBe(401);
  });

  it('shows an admin the page and the queues with their jobs', async () => {
    const admin = await tokenOf('Admin');
    const page = await app.inject({ url: '/admin/queues', headers: { authorization: basic(admin) } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    await producer.queues.delivery.add('deliver', { notificationId: 'x' }, { jobId: 'n-x', delay: 60_000 });
    const api = await app.inject({ url: '/admin/queues/api/queues?activeQueue=notifications&status=delayed', headers: { authorization: `Bearer ${admin}` } });
    expect(api.statusCode).toBe(200);
    const body = api.json() as { queues: { name: string; counts: Record<string, number>; jobs: { id: string }[] }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['notifications', 'schedules']);
    const notifications = body.queues.find((q) => q.name === 'notifications')!;
    expect(notifications.counts.delayed).toBe(1);
    expect(notifications.jobs.map((j) => j.id)).toEqual(['n-x']);
  });

  it('answers at once while Redis is away: 503 with Retry-After in the API error format, to admins only', async () => {
    const redis = await startRedisServer();
    const own = openQueues(redis.url, testPrefix());
    const board = await buildApp({ core, db, config: TEST_API_CONFIG, queues: [own.queues.delivery, own.queues.schedule], queuesReachable: own.reachable });
    let redisRunning = true;
    try {
      const admin = { authorization: `Bearer ${await tokenOf('Admin')}` };
      await own.queues.delivery.waitUntilReady();
      expect((await board.inject({ url: '/admin/queues/api/queues', headers: admin })).statusCode).toBe(200);

      const lost = once(own.queues.delivery, 'ioredis:close');
      await redis.stop();
      redisRunning = false;
      await lost;
      for (const url of ['/admin/queues/api/queues', '/admin/queues']) {
        const res = await board.inject({ url, headers: admin });
        expect(res.statusCode, url).toBe(503);
        expect(res.headers['retry-after'], url).toBe('5');
        expect(res.json(), url).toEqual({ statusCode: 503, error: 'queues_unavailable', message: 'The job queues are unreachable (Redis is down); retry shortly' });
      }
      // Who is not an admin learns nothing about Redis.
      expect((await board.inject({ url: '/admin/queues/api/queues' })).statusCode).toBe(401);
      expect((await board.inject({ url: '/admin/queues/api/queues', headers: { authorization: `Bearer ${await tokenOf('Member')}` } })).statusCode).toBe(403);
    } finally {
      await board.close();
      await own.close();
      if (redisRunning) await redis.stop();
    }
  });

  it('counts wrong tokens against the same budget of failed authentications as the API: 35 guesses, the last ones 429', async () => {
    const failures = 30;
    const guarded = await buildApp({ core, db, config: { ...TEST_API_CONFIG, API_AUTH_FAILURES_PER_MINUTE: failures }, queues: [producer.queues.delivery] });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 35; i++) {
        const authorization = i % 2 ? `Bearer guess-${i}` : basic(`guess-${i}`);
        statuses.push((await guarded.inject({ url: '/admin/queues/api/queues', headers: { authorization }, remoteAddress: '198.51.100.7' })).statusCode);
      }
      expect(statuses.slice(0, failures)).toEqual(Array(failures).fill(401));
      expect(statuses.slice(failures)).toEqual(Array(35 - failures).fill(429));
      // The API's routes see the same spent budget: it is one budget per address, not one per door.
      const api = await guarded.inject({ url: '/me', headers: { authorization: 'Bearer another-guess' }, remoteAddress: '198.51.100.7' });
      expect(api.statusCode).toBe(429);
      expect(api.json()).toMatchObject({ statusCode: 429, error: 'rate_limited' });
      expect(api.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await guarded.close();
    }
  });

  it('is left out of the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/admin/queues'))).toEqual([]);
  });
});
