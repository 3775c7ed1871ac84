import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { ChatPort } from '../src/bot/port.ts';
import type { Clock } from '../src/core/index.ts';
import { createDb, type Db } from '../src/db/client.ts';
import { startWorkers } from '../src/jobs/index.ts';
import { jobSettings } from '../src/jobs/settings.ts';
import { planDeliveries } from '../src/jobs/relay.ts';
import { loadConfig } from '../src/config.ts';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import { benchDatabase } from './database.ts';
import { percentile, type Benchmark, type Measurement } from './measure.ts';

// 10,000 reminders due at the same moment (5,000 sessions, both parties), delivered through a no-op
// ChatPort, beside a bare BullMQ worker that does nothing with 10,000 jobs, with the same concurrency
// on the same (dedicated) Redis in the same run. Both start from a full queue; the bare worker has a
// job per reminder, ours the relay's (the reminders due together, a hundred to a job), so the ratio
// is what a delivery costs us (claim, render, send, mark) against what a job costs BullMQ. As in production, the tick
// derives and relays the reminders ahead of their moment (the scheduler's window reaches JOBS_TICK_MS
// and more ahead; here LEAD_MS), so they wait in Redis as delayed jobs; the clock is real time, shifted
// so that they fall due LEAD_MS after the tick starts. Lateness: from that moment to each one's send.
// A tick that outruns LEAD_MS shows as lateness.

const REMINDERS = 10_000;
const SESSIONS = REMINDERS / 2;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const DUE = new Date('2031-06-02T10:00:00Z');
const LEAD_MS = Number(process.env.BENCH_LEAD_MS ?? 10_000);
/** Deliveries per second as a share of the bare worker's jobs, and the latest send after due (p99). */
const RATIO_GOAL = 0.4;
const P99_GOAL_MS = 2000;

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** 5,000 sessions at DUE + 1 h, each member and coach with a chat identity, in a few statements. */
async function seed(db: Db): Promise<void> {
  const created = new Date(DUE.getTime() - 3 * 86_400_000);
  await db.$executeRaw`
    INSERT INTO "users" ("id", "name", "role", "updatedAt")
    SELECT 'c' || i, 'Coach ' || i, 'Coach'::"Role", now() FROM generate_series(1, 100) i
    UNION ALL SELECT 'm' || i, 'Member ' || i, 'Member'::"Role", now() FROM generate_series(1, ${SESSIONS}::int) i`;
  await db.$executeRaw`INSERT INTO "coach_profiles" ("id", "userId", "timezone", "updatedAt") SELECT 'cp' || i, 'c' || i, 'UTC', now() FROM generate_series(1, 100) i`;
  await db.$executeRaw`
    INSERT INTO "member_profiles" ("id", "userId", "coachId", "updatedAt")
    SELECT 'mp' || i, 'm' || i, 'c' || (1 + i % 100), now() FROM generate_series(1, ${SESSIONS}::int) i`;
  await db.$executeRaw`
    INSERT INTO "chat_identities" ("id", "userId", "platform", "scope", "platformUserId", "updatedAt")
    SELECT 'ci-' || u."id", u."id", 'web'::"ChatPlatform", 'local', u."id", now() FROM "users" u`;
  await db.$executeRaw`
    INSERT INTO "calendar_events" ("id", "title", "startsAt", "endsAt", "category", "creatorId", "icalUid", "createdAt", "updatedAt")
    SELECT 'e' || i, 'Coaching session', ${new Date(DUE.getTime() + 3_600_000)}::timestamp, ${new Date(DUE.getTime() + 7_200_000)}::timestamp,
      'Coaching session', 'c' || (1 + i % 100), 'e' || i || '@bench', ${created}::timestamp, ${created}::timestamp
    FROM generate_series(1, ${SESSIONS}::int) i`;
  await db.$executeRaw`
    INSERT INTO "sessions" ("id", "calendarEventId", "memberId", "coachId", "type", "duration", "scheduledAt", "createdAt", "updatedAt")
    SELECT 's' || i, 'e' || i, 'mp' || i, 'c' || (1 + i % 100), 'regular'::"SessionType", 60, ${new Date(DUE.getTime() + 3_600_000)}::timestamp,
      ${created}::timestamp, ${created}::timestamp
    FROM generate_series(1, ${SESSIONS}::int) i`;
}

/** Resolves when `n` have happened; `tick()` counts one. */
function counter(n: number) {
  let count = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  return { all, tick: () => ++count === n && done() };
}

async function bareWorker(redisUrl: string): Promise<{ perSecond: number; bytesPerJob: number }> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bench-bare-${randomUUID().slice(0, 6)}`;
  const queue = new Queue('bare', { connection, prefix });
  const before = await usedMemory(connection);
  for (let i = 0; i < REMINDERS; i += 1000) {
    await queue.addBulk(Array.from({ length: 1000 }, (_, j) => ({ name: 'noop', data: { notificationId: randomUUID() }, opts: { jobId: `n-${i + j}`, removeOnComplete: true } })));
  }
  const bytesPerJob = ((await usedMemory(connection)) - before) / REMINDERS;
  const finished = counter(REMINDERS);
  const started = performance.now();
  const worker = new Worker('bare', async () => undefined, { connection, prefix, concurrency: CONCURRENCY });
  worker.on('completed', finished.tick);
  await finished.all;
  const perSecond = REMINDERS / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
  return { perSecond, bytesPerJob };
}

/**
 * Redis bytes one queued delivery costs: 10,000 rows due at one moment enqueued as the relay does
 * (a hundred to a job) on a paused queue, then removed.
 */
async function memoryPerDelivery(queue: Queue, redis: Redis, settings: Parameters<typeof planDeliveries>[0]): Promise<number> {
  await queue.pause();
  const before = await usedMemory(redis);
  const now = Date.now();
  const rows = Array.from({ length: REMINDERS }, () => ({ id: randomUUID(), deliverAfterMs: now + 60_000 }));
  for (let i = 0; i < REMINDERS; i += 1000) await queue.addBulk(planDeliveries(settings, rows.slice(i, i + 1000), now));
  const bytes = ((await usedMemory(redis)) - before) / REMINDERS;
  await queue.obliterate({ force: true });
  await queue.resume();
  return bytes;
}

async function remindersRun(): Promise<Measurement> {
  const database = await benchDatabase();
  const redisServer = await startRedisServer();
  const db = createDb(database.url, { max: 10 });
  const redis = new Redis(redisServer.url);
  try {
    await seed(db);
    const bare = await bareWorker(redisServer.url);

    // Real time, reading DUE at the real instant `dueAtEpoch`.
    let dueAtEpoch = Date.now() + 86_400_000;
    const clock: Clock = { now: () => new Date(DUE.getTime() + Date.now() - dueAtEpoch) };
    const sentAt: number[] = [];
    const delivered = counter(REMINDERS);
    const noop: ChatPort = {
      platform: 'web',
      send: async () => {
        sentAt.push(performance.now());
        delivered.tick();
        return { platform: 'web', channelId: 'c', messageId: 'm' };
      },
      edit: async () => undefined,
    };
    const settings = { ...jobSettings(loadConfig({})), reminderOffsetsMinutes: [60], concurrency: CONCURRENCY };
    const jobs = await startWorkers({
      db,
      clock,
      redisUrl: redisServer.url,
      present: async (notice) => ({ summary: notice.type, blocks: [] }),
      ports: new Map([['web', noop]]),
      logger: pino({ level: 'warn' }),
      settings,
      prefix: `bench-${randomUUID().slice(0, 6)}`,
      schedules: false,
    });
    const bytesPerJob = await memoryPerDelivery(jobs.queues.delivery, redis, settings);
    const tickStarted = performance.now();
    dueAtEpoch = Date.now() + LEAD_MS;
    const dueAt = tickStarted + LEAD_MS;
    const tick = await jobs.tick();
    const tickMs = performance.now() - tickStarted;
    await delivered.all;
    const perSecond = REMINDERS / ((performance.now() - dueAt) / 1000);
    const lateness = sentAt.map((t) => t - dueAt);
    await jobs.stop();
    const sent = await db.notification.count({ where: { type: 'session.reminder', status: 'sent' } });

    const ratio = perSecond / bare.perSecond;
    const p50 = percentile(lateness, 50);
    const p99 = percentile(lateness, 99);
    const first = Math.min(...lateness);
    return {
      figures: { deliveries_per_s: Math.round(perSecond), lateness_first_ms: Math.round(first), lateness_p50_ms: Math.round(p50), lateness_p99_ms: Math.round(p99), bytes_per_delivery: Math.round(bytesPerJob), tick_ms: Math.round(tickMs), sent },
      baseline: { jobs_per_s: Math.round(bare.perSecond), all_jobs_ms: Math.round((REMINDERS / bare.perSecond) * 1000), bytes_per_job: Math.round(bare.bytesPerJob) },
      ratio,
      met: ratio >= RATIO_GOAL && p99 <= P99_GOAL_MS,
      lines: [
        `reminders: ${REMINDERS} due at the same moment (${SESSIONS} sessions x 2 parties), concurrency ${CONCURRENCY}, dedicated Redis`,
        `  tick ${LEAD_MS} ms before due (derive ${tick.derived} rows from the sessions table + relay ${tick.relayed} rows): ${tickMs.toFixed(0)} ms`,
        `  bare no-op BullMQ worker:       ${bare.perSecond.toFixed(0)} jobs/s (all ${REMINDERS} in ${((REMINDERS / bare.perSecond) * 1000).toFixed(0)} ms: the p99 lateness one job per delivery could reach)`,
        `  deliveries (claim, present, send, mark; from the due moment to the last send): ${perSecond.toFixed(0)} deliveries/s   (${sent} marked sent)`,
        `  ratio deliveries/bare: ${ratio.toFixed(2)}   (goal >= ${RATIO_GOAL})`,
        `  lateness from due to send: first ${first.toFixed(0)} ms, p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms   (goal p99 <= ${P99_GOAL_MS} ms)`,
        `  Redis memory per queued delivery: ${(bytesPerJob / 1024).toFixed(2)} KB (bare job: ${(bare.bytesPerJob / 1024).toFixed(2)} KB); ${((bytesPerJob * REMINDERS) / 1048576).toFixed(1)} MB for all`,
      ],
    };
  } finally {
    await redis.quit();
    await db.$disconnect();
    await redisServer.stop();
    await database.drop();
  }
}

export const remindersBench: Benchmark = {
  name: 'reminders',
  target: `ratio >= ${RATIO_GOAL} and p99 lateness <= ${P99_GOAL_MS} ms`,
  run: remindersRun,
};
