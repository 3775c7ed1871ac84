import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll } from 'vitest';
import type { Platform } from '../../src/bot/inbound.ts';
import type { ChatPort, NoticeKeeper, Presenter, Redrawer } from '../../src/bot/port.ts';
import type { Clock } from '../../src/core/index.ts';
import { writeNotifications } from '../../src/core/notifications/index.ts';
import type { Db } from '../../src/db/client.ts';
import { startWorkers, type DeliveryTelemetry, type JobSettings, type RunningWorkers } from '../../src/jobs/index.ts';
import { makeMember } from '../helpers/factories.ts';
import { noticePresenter, REDIS_URL, silentLogger, testPrefix, testSettings } from './doubles.ts';

// Shared arrangements of the jobs tests: workers on a BullMQ prefix of this test's own, so that runs
// sharing one Redis never see each other's jobs, with ticks driven by the test.

export * from './doubles.ts';

const started: RunningWorkers[] = [];

/** Stops workers before the file ends (e.g. before their dedicated Redis goes away). */
export async function stopWorkers(workers: RunningWorkers): Promise<void> {
  started.splice(started.indexOf(workers), 1);
  await workers.stop();
}
// Registered when a test file imports the harness: whatever workers it started are stopped after it.
afterAll(async () => {
  for (const workers of started.splice(0)) {
    await workers.queues.delivery.obliterate({ force: true }).catch(() => undefined);
    await workers.queues.schedule.obliterate({ force: true }).catch(() => undefined);
    await workers.stop();
  }
});

/** Workers with ticks driven by the test (no schedulers), stopped after the file (also when started inside a test). */
export async function testWorkers(
  deps: {
    db: Db;
    clock: Clock;
    ports: ChatPort[];
    present?: Presenter;
    redraw?: Redrawer;
    keepNotice?: NoticeKeeper;
    settings?: Partial<JobSettings>;
    redisUrl?: string;
    prefix?: string;
    telemetry?: DeliveryTelemetry;
  },
): Promise<RunningWorkers> {
  const workers = await startWorkers({
    db: deps.db,
    clock: deps.clock,
    redisUrl: deps.redisUrl ?? REDIS_URL,
    present: deps.present ?? noticePresenter,
    ...(deps.redraw ? { redraw: deps.redraw } : {}),
    ...(deps.keepNotice ? { keepNotice: deps.keepNotice } : {}),
    ports: new Map(deps.ports.map((p) => [p.platform, p])),
    logger: silentLogger,
    settings: testSettings(deps.settings),
    prefix: deps.prefix ?? testPrefix(),
    schedules: false,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
  });
  started.push(workers);
  return workers;
}

/** Links a chat identity on `platform` to the user, as signing up from chat does. */
export async function linkChat(db: Db, userId: string, platform: Platform = 'web') {
  return db.chatIdentity.create({
    data: { userId, platform, scope: 'local', platformUserId: `u-${randomUUID().slice(0, 12)}`, dmChannelId: `dm-${randomUUID().slice(0, 8)}` },
  });
}

/** A notification due now to a member linked to a chat: one pending outbox row; answers its id. */
export async function pendingNotification(db: Db, clock: Clock): Promise<string> {
  const user = await makeMember(db);
  await linkChat(db, user.id);
  const dedupeKey = `test:${randomUUID()}`;
  await writeNotifications(db, [{ userId: user.id, type: 'member.assigned', payload: { test: dedupeKey }, dedupeKey, deliverAfter: clock.now() }]);
  return (await db.notification.findUniqueOrThrow({ where: { dedupeKey } })).id;
}

/** Waits until `check` holds, re-checking after each job the delivery worker finishes (no timer). */
export async function untilSettled(workers: RunningWorkers, check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    // Listening before checking, so a job finishing in between is not missed.
    const next = Promise.race([once(workers.delivery, 'completed'), once(workers.delivery, 'failed')]);
    if (await check()) return;
    await next;
  }
}
