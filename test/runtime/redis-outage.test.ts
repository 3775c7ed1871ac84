import { afterAll, describe, expect, it } from 'vitest';
import { requiresRedis, ROLES } from '../../src/roles.ts';
import { setupCore } from '../helpers/core.ts';
import { makeAdmin } from '../helpers/factories.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { FROM_SOURCE, serviceEnv, startService, SPAWNING, type ServiceProcess } from './process.ts';

// A Redis restart, as a load balancer following /readyz sees each role: a process serving only the
// admin API keeps serving (rate limiting skips Redis, idempotency lives in PostgreSQL), so it stays
// ready, reporting Redis down; the bot and the worker cannot do their work without Redis, so they
// answer 503 until it is back. The real entry point, over a redis-server of this file's own.

const { core, db, databaseUrl } = await setupCore();
let redis: RedisServer = await startRedisServer();
const env = serviceEnv({ DATABASE_URL: databaseUrl, REDIS_URL: redis.url });
const services = {
  api: startService([...FROM_SOURCE, '--role', 'api'], env),
  bot: startService([...FROM_SOURCE, '--role', 'bot'], env),
  worker: startService([...FROM_SOURCE, '--role', 'worker'], env),
};
/** Stopped by SIGTERM while Redis is away. */
const stoppedDuringOutage = startService([...FROM_SOURCE, '--role', 'all'], env);
let redisRunning = true;
afterAll(async () => {
  for (const service of [...Object.values(services), stoppedDuringOutage]) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
  }
  if (redisRunning) await redis.stop();
}, SPAWNING.timeout);

async function baseOf(service: ServiceProcess): Promise<string> {
  const listening = await service.logged((l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg));
  return listening.msg.replace('Server listening at ', '');
}

async function readyz(service: ServiceProcess) {
  const res = await fetch(`${await baseOf(service)}/readyz`);
  return { status: res.status, body: (await res.json()) as unknown };
}

const token = (await core.tokens.issue({ user: (await makeAdmin(db)).id })).token;

describe('readiness while Redis is away', SPAWNING, () => {
  it('requires Redis for every role but the API alone', () => {
    expect(Object.fromEntries(ROLES.map((role) => [role, requiresRedis(role)]))).toEqual({ api: false, bot: true, worker: true, all: true });
  });

  it('every role is ready while Redis runs', async () => {
    for (const service of Object.values(services)) {
      expect(await readyz(service)).toEqual({ status: 200, body: { status: 'ready', process: 'ready', checks: { postgres: 'up', redis: 'up' } } });
    }
  });

  it('with Redis stopped, the API stays ready (degraded) and serves (its queue board answers 503); the bot and the worker answer 503', async () => {
    await redis.stop();
    redisRunning = false;
    for (const service of Object.values(services)) await service.logged((l) => l.msg === 'redis unavailable');

    expect(await readyz(services.api)).toEqual({ status: 200, body: { status: 'degraded', process: 'ready', checks: { postgres: 'up', redis: 'down' } } });
    const me = await fetch(`${await baseOf(services.api)}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: 'Admin' });
    // The one part of the API that needs Redis says so at once rather than waiting for it.
    const board = await fetch(`${await baseOf(services.api)}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${token}` } });
    expect(board.status).toBe(503);
    expect(board.headers.get('retry-after')).toBe('5');
    expect(await board.json()).toMatchObject({ statusCode: 503, error: 'queues_unavailable' });

    for (const service of [services.bot, services.worker]) {
      expect(await readyz(service)).toEqual({ status: 503, body: { status: 'not_ready', process: 'ready', checks: { postgres: 'up', redis: 'down' } } });
    }
  });

  it('SIGTERM while Redis is away stops a process at once (nothing can finish until Redis is back), exit 0', async () => {
    await stoppedDuringOutage.ready;
    await stoppedDuringOutage.logged((l) => l.msg === 'redis unavailable');
    stoppedDuringOutage.child.kill('SIGTERM');
    expect(await stoppedDuringOutage.exited).toEqual({ code: 0, signal: null });
    await stoppedDuringOutage.logged((l) => l.msg === 'stopped');
  });

  it('once Redis is back on its address, every role is ready again', async () => {
    redis = await startRedisServer({ port: redis.port });
    redisRunning = true;
    for (const service of Object.values(services)) {
      await service.logged((l) => l.msg === 'redis available again');
      expect(await readyz(service)).toEqual({ status: 200, body: { status: 'ready', process: 'ready', checks: { postgres: 'up', redis: 'up' } } });
      // One line when Redis went, one when it came back: not one (nor a stack on stderr) per reconnect.
      const lines = service.stdout().split('\n').filter((l) => /"msg":"redis (unavailable|available again)"/.test(l) || (/worker error/.test(l) && /"syscall"/.test(l)));
      expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), lines.join('\n')).toEqual(['redis unavailable', 'redis available again']);
      expect(service.stderr()).not.toMatch(/ECONNREFUSED|^\s+at /m);
    }
  });
});
