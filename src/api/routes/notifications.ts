import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NOTIFICATION_STATUSES } from '../../core/notifications/index.ts';
import { text, type Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { page, pageQuery, queryBool, uuid } from '../schemas.ts';

const notification = z.object({
  id: uuid,
  userId: uuid,
  type: z.string(),
  payload: z.unknown(),
  status: z.enum(NOTIFICATION_STATUSES),
  attempts: z.number().int(),
  deliverAfter: z.date(),
  sentAt: z.date().nullable(),
  failureReason: z.string().nullable().describe('Why the last attempt failed, or why it was skipped (e.g. no_chat_identity)'),
  createdAt: z.date(),
}).meta({ id: 'Notification' });

const listQuery = pageQuery.extend({
  userId: uuid.optional().describe('Admin only: whose notifications; omitted, an admin sees everyone\'s'),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  type: text(64).min(1).optional(),
  failureReason: text(200).min(1).optional().describe('Only rows whose failure or skip reason contains this text'),
  includeScheduled: queryBool.optional().describe('Admin only: include reminders not due yet'),
});

export function notificationRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/notifications',
      {
        schema: {
          tags: ['notifications'],
          operationId: 'listNotifications',
          summary: 'Your notifications, newest first (an admin may list anyone\'s)',
          querystring: listQuery,
          response: { 200: page(notification, 'NotificationPage') },
        },
      },
      async (request) => core.notifications.list(actorOf(request), request.query),
    );
  };
}
