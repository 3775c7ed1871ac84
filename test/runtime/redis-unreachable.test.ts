import { afterAll, describe, expect, it } from 'vitest';
import { setupCore } from '../helpers/core.ts';
import { startDeadRedis } from '../helpers/redis-server.ts';
import { FROM_SOURCE, serviceEnv, startService, SPAWNING, type ServiceProcess } from './process.ts';

// Redis unreachable from the first moment, as the real entry point meets it: a role that needs Redis
// says so in one line and exits 1 (after REDIS_STARTUP_TIMEOUT_SECONDS), the API alone starts
// degraded and says once that Redis is away, never a stack trace per reconnect, and a signal stops
// every process at once, even one still waiting for Redis. Every connection to the dead Redis is
// counted, so "it kept retrying" is an event the test waits for.

const { databaseUrl } = await setupCore();
const dead = await startDeadRedis();
const started: ServiceProcess[] = [];
afterAll(async () => {
  for (const s of started) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
  }
  await dead.close();
}, SPAWNING.timeout);

function start(role: string, env: Record<string, string> = {}): ServiceProcess {
  const service = startService([...FROM_SOURCE, '--role', role], serviceEnv({ DATABASE_URL: databaseUrl, REDIS_URL: dead.url, MIGRATE_ON_START: 'false', ...env }));
  started.push(service);
  return service;
}

const logLines = (service: ServiceProcess, msg: string) => service.stdout().split('\n').filter((l) => l.includes(`"msg":"${msg}"`));

describe('Redis unreachable at start', SPAWNING, () => {
  it.each(['bot', 'worker', 'all'])('--role %s: one line naming Redis and why, exit 1', async (role) => {
    const service = start(role, { REDIS_STARTUP_TIMEOUT_SECONDS: '1' });
    const { code } = await service.exited;
    expect(code).toBe(1);
    expect(service.stderr()).toMatch(new RegExp(`^coachbot cannot start: Redis at ${dead.url.slice('redis://'.length).replace(/\./g, '\\.')} is unreachable: .+\\n$`));
  });

  it('--role api: starts degraded, says once that Redis is away, and prints no stack per reconnect', async () => {
    const service = start('api');
    const port = await service.ready;
    // The process's connections (the shared one, the queue board's) have each retried a few times.
    await dead.attempts(dead.seen() + 10);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { status: 'degraded', process: 'ready', checks: { postgres: 'up', redis: 'down' } } });
    // stderr carries the local admin's token (a terminal message), and nothing about Redis.
    expect(service.stderr()).not.toMatch(/ECONNRESET|^\s+at /m);
    expect(logLines(service, 'redis unavailable')).toHaveLength(1);
  });

  it.each([
    ['worker', 'SIGTERM'],
    ['all', 'SIGINT'],
  ] as const)('--role %s: %s while start-up waits for Redis stops the process, exit 0', async (role, signal) => {
    const service = start(role, { REDIS_STARTUP_TIMEOUT_SECONDS: '900' });
    await service.logged((l) => l.msg === 'redis unavailable');
    service.child.kill(signal);
    expect(await service.exited).toEqual({ code: 0, signal: null });
    await service.logged((l) => l.msg === 'stopped');
    expect(service.stderr()).toBe('');
  });
});
