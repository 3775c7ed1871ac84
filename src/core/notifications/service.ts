import { z } from 'zod';
import type { Db, Prisma } from '../../db/client.ts';
import { isAdmin, requireAdmin, type Actor } from '../access/index.ts';
import type { Clock } from '../clock.ts';
import { pageArgs, pageInput, toPage, type Page } from '../pagination.ts';
import { id, parseInput, singleLine } from '../validation.ts';

export const NOTIFICATION_STATUSES = ['pending', 'sending', 'sent', 'failed', 'skipped'] as const;

export const listNotificationsInput = pageInput.extend({
  /** Whose notifications; defaults to the caller's own. Only an admin names someone else or omits it to see all. */
  userId: id.optional(),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  type: singleLine(64).optional(),
  /** Rows whose last failure (or skip) reason contains this text, case-insensitive (e.g. `no_chat_identity`). */
  failureReason: singleLine(200).optional(),
  /** Include rows due later (reminders, prompts); admin only, since to a user they do not exist yet. */
  includeScheduled: z.stringbool().or(z.boolean()).default(false),
});

export interface NotificationView {
  id: string;
  userId: string;
  type: string;
  payload: Prisma.JsonValue;
  status: (typeof NOTIFICATION_STATUSES)[number];
  attempts: number;
  deliverAfter: Date;
  sentAt: Date | null;
  /** Why the last attempt failed, or why it was skipped; null when none failed. */
  failureReason: string | null;
  createdAt: Date;
}

export interface NotificationService {
  /** The caller's notifications, newest first; an admin may list anyone's, or everyone's. */
  list(actor: Actor, input?: unknown): Promise<Page<NotificationView>>;
}

export function createNotificationService(deps: { db: Db; clock: Clock }): NotificationService {
  return {
    async list(actor, raw = {}) {
      const input = parseInput(listNotificationsInput, raw);
      const admin = isAdmin(actor);
      if ((input.userId && input.userId !== actor.userId) || input.includeScheduled) requireAdmin(actor);
      const userId = admin ? input.userId : actor.userId;
      const where: Prisma.NotificationWhereInput = {
        ...(userId ? { userId } : {}),
        ...(input.status ? { status: input.status } : {}),
        ...(input.type ? { type: input.type } : {}),
        ...(input.failureReason ? { failureReason: { contains: input.failureReason, mode: 'insensitive' as const } } : {}),
        ...(input.includeScheduled ? {} : { deliverAfter: { lte: deps.clock.now() } }),
      };
      // Annotated so Prisma infers one argument type rather than a union of two.
      const window: { take: number; skip?: number; cursor?: { id: string } } = pageArgs(input);
      const rows = await deps.db.notification.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        select: {
          id: true,
          userId: true,
          type: true,
          payload: true,
          status: true,
          attempts: true,
          deliverAfter: true,
          sentAt: true,
          failureReason: true,
          createdAt: true,
        },
        ...window,
      });
      return toPage(rows, input);
    },
  };
}
