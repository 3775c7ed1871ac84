import { describe, expect, it } from 'vitest';
import { createNotificationDelivery } from '../../src/core/notifications/index.ts';
import { createDb } from '../../src/db/client.ts';
import { setupCore } from '../helpers/core.ts';
import { countStatements } from '../helpers/statements.ts';
import { pendingNotification } from './harness.ts';

// The worker's bookkeeping of a burst: the marks of deliveries just sent and the claims of those
// just starting go to PostgreSQL as ONE statement, so they share one commit; each keeps its meaning.

const { db, clock, databaseUrl } = await setupCore();
const LEASE_MS = 60_000;

describe('claims and marks in one statement', () => {
  it('marks the sent rows and claims the new ones in one statement, answering each', async () => {
    const [sent, starting, other] = [await pendingNotification(db, clock), await pendingNotification(db, clock), await pendingNotification(db, clock)];
    const counted = createDb(databaseUrl, { max: 1 });
    const statements = countStatements(counted);
    try {
      const delivery = createNotificationDelivery({ db: counted, clock });
      expect((await delivery.claim([sent], LEASE_MS)).get(sent)?.outcome).toBe('claimed');

      statements.reset();
      const done = await delivery.claimAndMark({ claim: [starting, other], markSent: [sent], leaseMs: LEASE_MS });
      expect(statements.count()).toBe(1);
      expect([...done.marked]).toEqual([sent]);
      expect(done.claims.get(starting)).toMatchObject({ outcome: 'claimed', notification: { id: starting, attempts: 1 } });
      expect(done.claims.get(other)).toMatchObject({ outcome: 'claimed', notification: { id: other, attempts: 1 } });
      const rows = await db.notification.findMany({ where: { id: { in: [sent, starting, other] } } });
      expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({ [sent]: 'sent', [starting]: 'sending', [other]: 'sending' });
    } finally {
      await counted.$disconnect();
    }
  });

  it('only marks a row asked to be both marked and claimed, even with its lease run out, and answers its claim as settled', async () => {
    const [row, held] = [await pendingNotification(db, clock), await pendingNotification(db, clock)];
    const delivery = createNotificationDelivery({ db, clock });
    // A claim whose lease has already run out (a negative lease): another worker could take it over.
    await delivery.claim([row], -1_000);
    await delivery.claim([held], LEASE_MS);

    const done = await delivery.claimAndMark({ claim: [row, held], markSent: [row], leaseMs: LEASE_MS });
    expect(done.marked).toEqual(new Set([row]));
    expect(done.claims.get(row)).toEqual({ outcome: 'settled' });
    expect(done.claims.get(held)?.outcome).toBe('busy');
    const after = await db.notification.findUniqueOrThrow({ where: { id: row } });
    expect({ status: after.status, attempts: after.attempts }).toEqual({ status: 'sent', attempts: 1 });
  });
});
