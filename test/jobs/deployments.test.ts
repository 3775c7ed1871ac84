import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { notificationJobId, startWorkerRole, type RunningWorkers } from '../../src/jobs/index.ts';
import { setupCore } from '../helpers/core.ts';
import { noticePresenter, pendingNotification, RecordingPort, REDIS_URL, silentLogger, untilSettled } from './harness.ts';

// Two deployments of the service, on two databases, share one Redis. Every key of theirs lives under
// their own REDIS_PREFIX (by default derived from the database's name), so neither takes the
// other's jobs, nor rewrites the other's job schedulers.

const one = await setupCore();
const other = await setupCore();

/** A deployment's configuration as its processes load it: only its database and its tick differ. */
const configOf = (databaseUrl: string, tickMs: number): Config => loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, REDIS_URL, JOBS_TICK_MS: String(tickMs) });

async function workerRole(deployment: typeof one, config: Config, port: RecordingPort): Promise<RunningWorkers> {
  return startWorkerRole({ config, db: deployment.db, clock: deployment.clock, present: noticePresenter, ports: new Map([['web', port]]), logger: silentLogger });
}

async function obliterate(workers: RunningWorkers) {
  await workers.queues.delivery.obliterate({ force: true });
  await workers.queues.schedule.obliterate({ force: true });
  await workers.stop();
}

describe('two deployments on one Redis', () => {
  const configs = { one: configOf(one.databaseUrl, 5_000), other: configOf(other.databaseUrl, 60_000) };

  it('each has its own prefix, from its database name', () => {
    expect(configs.one.REDIS_PREFIX).toBe(`coachbot:${new URL(one.databaseUrl).pathname.slice(1)}:`);
    expect(configs.one.REDIS_PREFIX).not.toBe(configs.other.REDIS_PREFIX);
  });

  it("keep their own job schedules and never take each other's jobs", async () => {
    const ports = { one: new RecordingPort('web'), other: new RecordingPort('web') };
    const workers = { one: await workerRole(one, configs.one, ports.one), other: await workerRole(other, configs.other, ports.other) };
    try {
      // Each one's tick runs at its own interval: the second to start did not rewrite the first's.
      const every = async (w: RunningWorkers) => Object.fromEntries((await w.queues.schedule.getJobSchedulers()).map((s) => [s.key, s.every]));
      expect((await every(workers.one)).tick).toBe(5_000);
      expect((await every(workers.other)).tick).toBe(60_000);

      const taken: string[] = [];
      workers.other.delivery.on('active', (job) => taken.push(job.id!));
      const id = await pendingNotification(one.db, one.clock);
      await workers.one.relay();
      // The job is in the first deployment's queue only: the other's workers read theirs.
      expect(await workers.other.queues.delivery.getJob(notificationJobId(id))).toBeUndefined();
      await untilSettled(workers.one, async () => (await one.db.notification.findUniqueOrThrow({ where: { id } })).status === 'sent');
      expect(ports.one.sent.map((m) => m.id)).toEqual([id]);
      expect(taken).toEqual([]);
    } finally {
      await Promise.all([obliterate(workers.one), obliterate(workers.other)]);
    }
  });
});

describe('REDIS_PREFIX', () => {
  const base = { NODE_ENV: 'test', DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/coachbot' };

  it('defaults to coachbot:<database name>:, the name kept to characters a prefix may hold', () => {
    expect(loadConfig(base).REDIS_PREFIX).toBe('coachbot:coachbot:');
    expect(loadConfig({ ...base, DATABASE_URL: 'postgresql://u@db.internal:5432/team%20a*b?sslmode=require' }).REDIS_PREFIX).toBe('coachbot:team_a_b:');
    // No database in the URL: PostgreSQL's default, the user's name.
    expect(loadConfig({ ...base, DATABASE_URL: 'postgresql://reporting@db.internal:5432' }).REDIS_PREFIX).toBe('coachbot:reporting:');
  });

  it('places the rate limiter and the playground under it unless they are set themselves', () => {
    const derived = loadConfig({ ...base, REDIS_PREFIX: 'tenant-7:' });
    expect(derived).toMatchObject({ REDIS_PREFIX: 'tenant-7:', API_RATE_LIMIT_KEY_PREFIX: 'tenant-7:api:ratelimit:', PLAYGROUND_REDIS_PREFIX: 'tenant-7:playground:' });
    const given = loadConfig({ ...base, REDIS_PREFIX: 'tenant-7:', API_RATE_LIMIT_KEY_PREFIX: 'shared:ratelimit:', PLAYGROUND_REDIS_PREFIX: 'tenant-7:web:' });
    expect(given).toMatchObject({ API_RATE_LIMIT_KEY_PREFIX: 'shared:ratelimit:', PLAYGROUND_REDIS_PREFIX: 'tenant-7:web:' });
  });

  it.each(['tenant 7:', 'tenant-7', 'a*:', 'x'.repeat(100) + ':'])('refuses %j, naming the variable and what it takes', (value) => {
    expect(() => loadConfig({ ...base, REDIS_PREFIX: value })).toThrow(`REDIS_PREFIX is ${JSON.stringify(value)}: expected up to 100 characters of A-Z, a-z, 0-9, _ . : and -, ending with ":"`);
  });
});
