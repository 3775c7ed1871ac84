import type { DbTx, Prisma } from '../../db/client.ts';

/** Notification types written to the outbox; the payload shape of each is in NotificationPayloads. */
export const NOTIFICATION_TYPES = [
  'member.assigned',
  'booking.confirmed',
  'booking.rejected',
  'booking.cancelled',
  'session.created',
  'session.rescheduled',
  'session.completed',
  'session.cancelled',
  'session.no_show',
  'session.reminder',
  'session.rate_prompt',
  'session.complete_prompt',
  'waitlist.offered',
  'waitlist.ended',
  'credits.exhausted',
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export interface OutboxEntry {
  userId: string;
  type: NotificationType;
  payload: Record<string, unknown>;
  /** One notification per cause: e.g. `booking.confirmed:<bookingId>:<userId>`. */
  dedupeKey: string;
  deliverAfter?: Date;
}

/**
 * Writes notifications in the caller's transaction (the outbox of docs/design.md §5): they exist if
 * and only if the change that caused them committed. A repeated cause writes nothing new.
 */
export async function writeNotifications(tx: DbTx, entries: OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.notification.createMany({
    data: entries.map((e) => ({
      userId: e.userId,
      type: e.type,
      payload: e.payload as Prisma.InputJsonValue,
      dedupeKey: e.dedupeKey,
      deliverAfter: e.deliverAfter,
    })),
    skipDuplicates: true,
  });
}
