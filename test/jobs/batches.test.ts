import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatDeliveryError } from '../../src/bot/port.ts';
import { createNotificationDelivery, writeNotifications } from '../../src/core/notifications/index.ts';
import { openQueues } from '../../src/jobs/index.ts';
import { batchJobId, notificationJobId, ROWS_PER_JOB, rowsOf } from '../../src/jobs/queues.ts';
import { reconcile } from '../../src/jobs/reconciler.ts';
import { planDeliveries, relayOutbox } from '../../src/jobs/relay.ts';
import { setupCore } from '../helpers/core.ts';
import { makeMember } from '../helpers/factories.ts';
import { pendingNotification, RecordingPort, REDIS_URL, stopWorkers, testPrefix, testSettings, testWorkers, untilSettled, type Delivered } from './harness.ts';
import type { RunningWorkers } from '../../src/jobs/index.ts';

// The rows falling due at one moment travel as one delivery job (docs/design.md §5): how the relay
// groups them, how a batch delivers each row on its own (a row that must wait or be tried again
// leaving as a job of its own), the worker's bound on rows between claim and send, and the
// reconciler leaving rows a waiting batch carries alone. Real PostgreSQL and Redis.

const { db, clock } = await setupCore();

describe('planDeliveries', () => {
  const settings = testSettings();
  const NOW = 1_900_000_000_000;
  // Few instants, so that moments crowd; some already due.
  const instant = fc.constantFrom(NOW - 5_000, NOW - 1, NOW, NOW + 1, NOW + 60_000, NOW + 60_001);
  const rows = fc.uniqueArray(fc.record({ id: fc.uuid(), deliverAfterMs: instant }), { selector: (r) => r.id, maxLength: 260 });

  it('puts every row in exactly one job, of at most ROWS_PER_JOB rows due at one moment, under an id the same rows always get', () => {
    fc.assert(
      fc.property(rows, fc.func(fc.integer()), (rs, order) => {
        const planned = planDeliveries(settings, rs, NOW);
        const carried = planned.flatMap((p) => rowsOf(p.data));
        expect(carried.sort()).toEqual(rs.map((r) => r.id).sort());
        const dueOf = new Map(rs.map((r) => [r.id, Math.max(r.deliverAfterMs, NOW)]));
        for (const p of planned) {
          const ids = rowsOf(p.data);
          expect(ids.length).toBeGreaterThanOrEqual(1);
          expect(ids.length).toBeLessThanOrEqual(ROWS_PER_JOB);
          expect(new Set(ids.map((id) => dueOf.get(id)))).toEqual(new Set([NOW + p.opts.delay]));
          expect(p.opts.jobId).toBe(ids.length === 1 ? notificationJobId(ids[0]!) : batchJobId(ids));
        }
        // A moment is cut into as few jobs as ROWS_PER_JOB allows.
        const moments = new Map<number, number>();
        for (const due of dueOf.values()) moments.set(due, (moments.get(due) ?? 0) + 1);
        expect(planned).toHaveLength([...moments.values()].reduce((a, n) => a + Math.ceil(n / ROWS_PER_JOB), 0));
        // The same rows in another order: the same jobs.
        const shuffled = [...rs].sort((a, b) => order(a.id) - order(b.id));
        expect(planDeliveries(settings, shuffled, NOW).map((p) => p.opts.jobId).sort()).toEqual(planned.map((p) => p.opts.jobId).sort());
      }),
      { numRuns: 200 },
    );
  });
});

/** `n` rows due now, each to a member of their own linked to a chat; answers their ids. */
async function dueRows(n: number): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, () => pendingNotification(db, clock)));
}

const row = (id: string) => db.notification.findUniqueOrThrow({ where: { id } });

describe('a batch', () => {
  it('delivers each row once, a failing or busy row apart from the rest, and never holds more rows between claim and send than the worker may', async () => {
    const concurrency = 3;
    const ids = await dueRows(12);
    const [failing, busy] = ids;
    // A member with no chat: skipped, as alone.
    const unlinked = await makeMember(db);
    const dedupeKey = `test:${randomUUID()}`;
    await writeNotifications(db, [{ userId: unlinked.id, type: 'member.assigned', payload: { test: dedupeKey }, dedupeKey, deliverAfter: clock.now() }]);
    const skipped = (await db.notification.findUniqueOrThrow({ where: { dedupeKey } })).id;

    let inFlight = 0;
    let mostInFlight = 0;
    const port = new RecordingPort('web', async (m: Delivered, attempt: number) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      // Let the others pile up behind this one before it answers.
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (m.id === failing && attempt <= 2) throw new ChatDeliveryError(`platform unavailable (${attempt})`);
    });
    const prefix = testPrefix();
    const producer = openQueues(REDIS_URL, prefix);
    try {
      await relayOutbox({ db, clock, queues: producer.queues, settings: testSettings() });
      const waiting = await producer.queues.delivery.getJobs(['waiting']);
      const mine = waiting.filter((j) => rowsOf(j.data).some((id) => ids.includes(id)));
      // All due now: one job carries them (with the unlinked member's row, and any other test's rows due now).
      expect(mine).toHaveLength(1);
      expect(rowsOf(mine[0]!.data)).toEqual(expect.arrayContaining([...ids, skipped]));
      // Another worker claims `busy` after the relay (a duplicate job's, or a reconcile's): the batch
      // must leave it to that claim's end.
      await createNotificationDelivery({ db, clock }).claim([busy!], 300);

      const jobs = await testWorkers({ db, clock, ports: [port], prefix, settings: { concurrency, backoffMs: 5 } });
      await untilSettled(jobs, async () => (await db.notification.findMany({ where: { id: { in: [...ids, skipped] } } })).every((r) => r.status !== 'pending' && r.status !== 'sending'));
    } finally {
      await producer.close();
    }

    for (const id of ids) expect(port.sent.filter((m) => m.id === id), id).toHaveLength(1);
    expect(await row(failing!)).toMatchObject({ status: 'sent', attempts: 3 });
    // Its first claim was the other worker's, which never sent: ours is the second.
    expect(await row(busy!)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await row(skipped)).toMatchObject({ status: 'skipped', failureReason: expect.stringContaining('no_chat_identity') });
    for (const id of ids.slice(2)) expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(concurrency);
  });
});

describe('two jobs carrying the same rows', () => {
  it('send each row once, even when one worker claims them for both in one statement', async () => {
    // After Redis lost a batch, the reconciler's job for its rows may run beside the batch still in
    // a worker: both ask for the same rows in the same moment.
    const ids = await dueRows(6);
    const port = new RecordingPort('web');
    const prefix = testPrefix();
    const producer = openQueues(REDIS_URL, prefix);
    let jobs: RunningWorkers | undefined;
    try {
      await producer.queues.delivery.pause();
      await producer.queues.delivery.addBulk(['b-first', 'b-second'].map((jobId) => ({ name: 'deliver', data: { notificationIds: ids }, opts: { jobId } })));
      await producer.queues.delivery.resume();
      jobs = await testWorkers({ db, clock, ports: [port], prefix, settings: { concurrency: 16, leaseMs: 300 } });
      await untilSettled(jobs, async () => (await db.notification.findMany({ where: { id: { in: ids } } })).every((r) => r.status === 'sent'));
      // The second job's asks waited out the lease as jobs of their own: they find their rows settled.
      await untilSettled(jobs, async () => {
        const counts = await producer.queues.delivery.getJobCounts('waiting', 'delayed', 'active');
        return Object.values(counts).every((n) => n === 0);
      });
    } finally {
      // Stopped before the queue is emptied: a job finishing in an emptied queue is an error in BullMQ.
      if (jobs) await stopWorkers(jobs);
      await producer.queues.delivery.obliterate({ force: true });
      await producer.close();
    }
    for (const id of ids) expect(port.sent.filter((m) => m.id === id), id).toHaveLength(1);
    for (const id of ids) expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
  });
});

describe('the reconciler, beside a batch', () => {
  it('leaves the rows a waiting batch carries alone, and puts them back once Redis has lost it', async () => {
    const ids = await dueRows(5);
    const prefix = testPrefix();
    const producer = openQueues(REDIS_URL, prefix);
    const deps = { db, clock, queues: producer.queues, settings: testSettings() };
    try {
      await relayOutbox(deps);
      const carrying = async () => (await producer.queues.delivery.getJobs(['waiting'])).filter((j) => rowsOf(j.data).some((id) => ids.includes(id)));
      const [batch] = await carrying();
      expect(rowsOf(batch!.data)).toEqual(expect.arrayContaining(ids));

      const again = await reconcile(deps);
      expect(await carrying()).toHaveLength(1);
      expect(again.requeued).toBe(0);

      // Redis loses the batch: the reconciler puts its rows back, all of them.
      await producer.queues.delivery.remove(batch!.id!);
      expect(await carrying()).toHaveLength(0);
      const back = await reconcile(deps);
      expect(back.requeued).toBeGreaterThanOrEqual(ids.length);
      expect((await carrying()).flatMap((j) => rowsOf(j.data))).toEqual(expect.arrayContaining(ids));
    } finally {
      await producer.queues.delivery.obliterate({ force: true });
      await producer.close();
    }
  });
});
