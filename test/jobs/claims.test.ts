import { describe, expect, it } from 'vitest';
import { createNotificationDelivery, type ClaimResult } from '../../src/core/notifications/index.ts';
import { setupCore } from '../helpers/core.ts';
import { pendingNotification } from './harness.ts';

// The claim is what makes a delivery exactly once while a worker is mid-send: a second worker (a
// stalled job run again, a duplicate job) must find the row taken for as long as the first one's
// lease is live, and may take it over only once the lease has run out (the first worker died).
// Leases run on PostgreSQL's clock (src/core/notifications/delivery.ts), so "the lease has run out"
// is played by moving the row's claim back by more than the lease: the same as that time passing.

const { db, clock } = await setupCore();

const LEASE_MS = 60_000;

/** Moves a claim's end back by `ms`, as if that much time had passed since it was made. */
async function age(id: string, ms: number) {
  await db.$executeRaw`UPDATE "notifications" SET "claimedUntil" = "claimedUntil" - ${ms} * interval '1 millisecond' WHERE "id" = ${id}`;
}

async function claimOne(worker: ReturnType<typeof createNotificationDelivery>, id: string): Promise<ClaimResult> {
  return (await worker.claim([id], LEASE_MS)).get(id)!;
}

describe('claiming a notification for delivery', () => {
  const workerA = createNotificationDelivery({ db, clock });
  const workerB = createNotificationDelivery({ db, clock });

  it('while the first claim is live a second worker gets nothing; once it has run out the second takes over, the attempt counted', async () => {
    const id = await pendingNotification(db, clock);

    const first = await claimOne(workerA, id);
    expect(first).toMatchObject({ outcome: 'claimed', notification: { id, attempts: 1 } });

    // Half the lease later (at most: real time has moved on by a statement or two, not 30 s).
    await age(id, LEASE_MS / 2);
    const during = await claimOne(workerB, id);
    expect(during.outcome).toBe('busy');
    // It is told to come back when A's lease ends: somewhere in the half that is left.
    expect(during.outcome === 'busy' && during.retryInMs).toBeGreaterThan(0);
    expect(during.outcome === 'busy' && during.retryInMs).toBeLessThanOrEqual(LEASE_MS / 2);
    expect(await db.notification.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'sending', attempts: 1 });

    // One millisecond past the end of A's lease.
    await age(id, LEASE_MS / 2 + 1);
    const after = await claimOne(workerB, id);
    expect(after).toMatchObject({ outcome: 'claimed', notification: { id, attempts: 2 } });
    expect(await db.notification.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'sending', attempts: 2 });

    // B's claim is now the live one: A, come back, is the one turned away.
    expect((await claimOne(workerA, id)).outcome).toBe('busy');
    expect([...(await workerB.markSent([id]))]).toEqual([id]);
  });

  it('a claim within the lease takes nothing whichever worker asks, so two claims at once give one winner', async () => {
    const id = await pendingNotification(db, clock);
    const results = await Promise.all([claimOne(workerA, id), claimOne(workerB, id)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['busy', 'claimed']);
    expect(await db.notification.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'sending', attempts: 1 });
  });
});
