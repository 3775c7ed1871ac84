import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION_DAYS } from '../../src/core/retention/index.ts';
import { setupCore } from '../helpers/core.ts';
import { testWorkers } from './harness.ts';

// The scheduled pruning (docs/operations.md, "Retention"): rows past their table's retention go,
// younger ones stay, whatever the clock of the worker says is now (an injected clock here).

const { db, clock } = await setupCore();
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(clock.now().getTime() - days * DAY_MS);

async function delivery(createdAt: Date) {
  const deliveryId = randomUUID();
  await db.chatDelivery.create({ data: { platform: 'web', scope: 'local', deliveryId, createdAt, effects: [] } });
  return deliveryId;
}

async function linkCode(expiresAt: Date) {
  const user = await db.user.create({ data: { email: `${randomUUID()}@example.com`, name: 'Link Prune', role: 'Coach' } });
  return (await db.linkCode.create({ data: { userId: user.id, codeHash: randomUUID(), expiresAt } })).id;
}

async function state(expiresAt: Date) {
  const key = randomUUID();
  await db.chatState.create({ data: { platform: 'web', scope: 'local', platformUserId: 'u-prune', key, value: {}, expiresAt } });
  return key;
}

describe('pruning spent rows', () => {
  it('deletes chat deliveries, expired chat states and spent link codes past their retention, and keeps the younger ones', async () => {
    const { chatDeliveries, chatStates } = DEFAULT_RETENTION_DAYS;
    await delivery(daysAgo(chatDeliveries + 1));
    const recentDelivery = await delivery(daysAgo(chatDeliveries - 1));
    await state(daysAgo(chatStates + 1));
    const justExpired = await state(new Date(daysAgo(chatStates).getTime() + 60_000));
    const current = await state(daysAgo(-1));
    await linkCode(daysAgo(2));
    const liveCode = await linkCode(new Date(clock.now().getTime() + 15 * 60_000));

    const jobs = await testWorkers({ db, clock, ports: [] });
    expect(await jobs.prune()).toEqual({ chat_deliveries: 1, chat_states: 1, link_codes: 1 });
    expect((await db.linkCode.findMany({ select: { id: true } })).map((c) => c.id)).toEqual([liveCode]);
    expect((await db.chatDelivery.findMany({ select: { deliveryId: true } })).map((d) => d.deliveryId)).toEqual([recentDelivery]);
    expect((await db.chatState.findMany({ select: { key: true } })).map((s) => s.key).sort()).toEqual([justExpired, current].sort());

    // Two days on, by the same clock, the delivery kept and the state that had just expired go too.
    clock.advance(2 * DAY_MS);
    expect(await jobs.prune()).toEqual({ chat_deliveries: 1, chat_states: 1, link_codes: 1 });
    expect(await db.chatDelivery.count()).toBe(0);
    expect((await db.chatState.findMany({ select: { key: true } })).map((s) => s.key)).toEqual([current]);
  });

  it('takes a backlog bigger than one batch in one run', async () => {
    const old = daysAgo(DEFAULT_RETENTION_DAYS.chatDeliveries + 30);
    await db.chatDelivery.createMany({ data: Array.from({ length: 12_000 }, () => ({ platform: 'web' as const, scope: 'local', deliveryId: randomUUID(), createdAt: old })) });
    const jobs = await testWorkers({ db, clock, ports: [] });
    expect((await jobs.prune()).chat_deliveries).toBe(12_000);
    expect(await db.chatDelivery.count()).toBe(0);
  });
});
