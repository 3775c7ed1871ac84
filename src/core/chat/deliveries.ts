import { Prisma, type DbTx } from '../../db/client.ts';
import { isUniqueViolation } from '../idempotency.ts';
import type { ChatIdentityInput } from '../users/index.ts';

// Chat platforms redeliver (Slack retries events, Telegram re-sends an update it got no 200 for,
// users double-click). A delivery is claimed before it is handled; a redelivery gets the first
// answer again, or "in progress" while the first attempt runs.

export interface DeliveryKey {
  platform: ChatIdentityInput['platform'];
  scope: string;
  deliveryId: string;
}

export type DeliveryClaim = { state: 'claimed' } | { state: 'answered'; effects: unknown } | { state: 'in_progress' };

export async function claimDelivery(db: DbTx, key: DeliveryKey): Promise<DeliveryClaim> {
  try {
    await db.chatDelivery.create({ data: { ...key } });
    return { state: 'claimed' };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const row = await db.chatDelivery.findUnique({ where: { platform_scope_deliveryId: key }, select: { effects: true } });
    if (!row) return claimDelivery(db, key);
    return row.effects === null ? { state: 'in_progress' } : { state: 'answered', effects: row.effects };
  }
}

/** Records the answer of a claimed delivery. */
export async function answerDelivery(db: DbTx, key: DeliveryKey, effects: unknown): Promise<void> {
  await db.chatDelivery.update({ where: { platform_scope_deliveryId: key }, data: { effects: effects as Prisma.InputJsonValue } });
}

/** Gives a claim back after a failure that changed nothing, so a redelivery is handled afresh. */
export async function releaseDelivery(db: DbTx, key: DeliveryKey): Promise<void> {
  await db.chatDelivery.deleteMany({ where: { ...key, effects: { equals: Prisma.DbNull } } });
}
