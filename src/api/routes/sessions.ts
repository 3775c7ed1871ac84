import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_SLOT_MINUTES, MIN_SLOT_MINUTES } from '../../core/availability/index.ts';
import { SESSION_STATUSES, SESSION_TYPES } from '../../core/sessions/index.ts';
import { instantText, text, type Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { acceptEmptyJsonBody } from '../optional-body.ts';
import { idParams, list, page, pageQuery, uuid } from '../schemas.ts';
import { idempotencyHeaders } from './bookings.ts';

export const sessionView = z.object({
  id: uuid,
  calendarEventId: uuid,
  memberId: uuid.describe('Member profile id'),
  memberUserId: uuid,
  memberName: z.string(),
  memberCoachId: uuid.nullable().describe("The member's current coach"),
  coachId: uuid.describe("The coach's user id"),
  coachName: z.string(),
  type: z.enum(SESSION_TYPES),
  status: z.enum(SESSION_STATUSES),
  duration: z.number().int(),
  scheduledAt: z.date(),
  endsAt: z.date(),
  coachNotes: z.string().nullable().optional().describe('Left out for members'),
  memberNotes: z.string().nullable().optional().describe('Left out for anyone but the member, their coach and admins'),
  outcomes: z.string().nullable(),
  rating: z.number().int().nullable(),
  ratingFeedback: z.string().nullable(),
  ratedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  cancelledAt: z.date().nullable(),
  cancellationReason: z.string().nullable(),
  cancelledById: uuid.nullable(),
  noShowParty: z.enum(['member', 'coach']).nullable(),
  groupConversationId: uuid.nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
}).meta({ id: 'Session', description: 'A coaching session as the viewer may see it' });

const sessionPage = page(sessionView, 'SessionPage');
const sessionList = list(sessionView, 'SessionList');

const instant = instantText;
const duration = z.number().int().min(MIN_SLOT_MINUTES).max(MAX_SLOT_MINUTES).describe('Minutes');
const notes = text(5000);

const createBody = z.strictObject({
  memberId: uuid.describe('Member profile id'),
  coachId: uuid.describe("The coach's user id"),
  scheduledAt: instant,
  duration,
  type: z.enum(SESSION_TYPES),
  memberNotes: notes.optional(),
  createGroupConversation: z.boolean().optional(),
});

const updateBody = z.strictObject({
  type: z.enum(SESSION_TYPES).optional(),
  duration: duration.optional(),
  coachNotes: notes.nullable().optional(),
  outcomes: notes.nullable().optional(),
});

const listQuery = pageQuery.extend({
  status: z.enum(SESSION_STATUSES).optional(),
  coachId: uuid.optional(),
  memberId: uuid.optional(),
  from: instant.optional().describe('Sessions starting at or after'),
  to: instant.optional().describe('Sessions starting before'),
});

export function sessionRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const common = { tags: ['sessions'] };
    const one = { 200: sessionView };

    app.get(
      '/sessions',
      {
        schema: { ...common, operationId: 'listSessions', summary: 'Sessions you may see, by start time', querystring: listQuery, response: { 200: sessionPage } },
      },
      async (request) => core.sessions.findAll(actorOf(request), request.query),
    );

    app.get(
      '/sessions/upcoming',
      {
        schema: {
          ...common,
          operationId: 'listUpcomingSessions',
          summary: 'Your scheduled sessions from now on, soonest first',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(50).optional() }),
          response: { 200: sessionList },
        },
      },
      async (request) => ({ items: await core.sessions.getUpcomingSessions(actorOf(request), request.query) }),
    );

    app.get(
      '/sessions/member/:memberId',
      {
        schema: {
          ...common,
          operationId: 'listMemberSessions',
          summary: "A member's sessions",
          params: z.object({ memberId: uuid }),
          querystring: pageQuery,
          response: { 200: sessionPage },
        },
      },
      async (request) => core.sessions.getSessionsByMember(actorOf(request), request.params.memberId, request.query),
    );

    app.get(
      '/sessions/coach/:coachId',
      {
        schema: {
          ...common,
          operationId: 'listCoachSessions',
          summary: "A coach's sessions",
          params: z.object({ coachId: uuid }),
          querystring: pageQuery,
          response: { 200: sessionPage },
        },
      },
      async (request) => core.sessions.getSessionsByCoach(actorOf(request), request.params.coachId, request.query),
    );

    app.get(
      '/sessions/:id',
      { schema: { ...common, operationId: 'getSession', summary: 'A session', params: idParams, response: one } },
      async (request) => core.sessions.findOne(actorOf(request), request.params.id),
    );

    app.post(
      '/sessions',
      {
        schema: {
          ...common,
          operationId: 'createSession',
          summary: 'Schedule a session at a bookable time (optional Idempotency-Key)',
          headers: idempotencyHeaders(false),
          body: createBody,
          response: { 201: sessionView },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await core.sessions.create(actorOf(request), request.body, request.headers['idempotency-key'])),
    );

    app.patch(
      '/sessions/:id',
      { schema: { ...common, operationId: 'updateSession', summary: 'Change type, duration, coach notes or outcomes', params: idParams, body: updateBody, response: one } },
      async (request) => core.sessions.update(actorOf(request), request.params.id, request.body),
    );

    app.patch(
      '/sessions/:id/complete',
      {
        schema: {
          ...common,
          operationId: 'completeSession',
          summary: 'Complete a scheduled session',
          params: idParams,
          body: z.strictObject({ coachNotes: notes.min(1), outcomes: notes.optional() }),
          response: one,
        },
      },
      async (request) => core.sessions.complete(actorOf(request), request.params.id, request.body),
    );

    // The reason is optional, so is the body: none, or an empty one, means no reason.
    await app.register(async (scope) => {
      acceptEmptyJsonBody(scope);
      scope.withTypeProvider<ZodTypeProvider>().patch(
        '/sessions/:id/cancel',
        {
          schema: {
            ...common,
            operationId: 'cancelSession',
            summary: 'Cancel a session (not a completed one; the body is optional)',
            params: idParams,
            body: z.strictObject({ reason: text(1000).optional() }).nullish(),
            response: one,
          },
        },
        async (request) => core.sessions.cancel(actorOf(request), request.params.id, request.body ?? {}),
      );
    });

    app.patch(
      '/sessions/:id/no-show',
      {
        schema: {
          ...common,
          operationId: 'recordNoShow',
          summary: 'Record that the member or the coach did not show up',
          params: idParams,
          body: z.strictObject({ party: z.enum(['member', 'coach']) }),
          response: one,
        },
      },
      async (request) => core.sessions.markNoShow(actorOf(request), request.params.id, request.body),
    );

    app.patch(
      '/sessions/:id/reschedule',
      {
        schema: {
          ...common,
          operationId: 'rescheduleSession',
          summary: 'Move a scheduled session to another bookable time',
          params: idParams,
          body: z.strictObject({ scheduledAt: instant, duration: duration.optional() }),
          response: one,
        },
      },
      async (request) => core.sessions.reschedule(actorOf(request), request.params.id, request.body),
    );

    app.post(
      '/sessions/:id/coach-notes',
      {
        schema: { ...common, operationId: 'addCoachNotes', summary: 'Add coach notes', params: idParams, body: z.strictObject({ notes: notes.min(1) }), response: one },
      },
      async (request) => core.sessions.addCoachNotes(actorOf(request), request.params.id, request.body),
    );

    app.post(
      '/sessions/:id/member-notes',
      {
        schema: { ...common, operationId: 'addMemberNotes', summary: 'Add member notes', params: idParams, body: z.strictObject({ notes: notes.min(1) }), response: one },
      },
      async (request) => core.sessions.addMemberNotes(actorOf(request), request.params.id, request.body),
    );

    app.post(
      '/sessions/:id/rate',
      {
        schema: {
          ...common,
          operationId: 'rateSession',
          summary: 'Rate a completed session, once (1-5)',
          params: idParams,
          body: z.strictObject({ rating: z.number().int().min(1).max(5), feedback: text(2000).optional() }),
          response: one,
        },
      },
      async (request) => core.sessions.rate(actorOf(request), request.params.id, request.body),
    );
  };
}
