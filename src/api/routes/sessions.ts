import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  commitmentInput,
  MAX_COMMITMENT_CHARS,
  MAX_COMMITMENTS,
  cancelSessionInput,
  completeSessionInput,
  createSessionInput,
  noShowInput,
  notesInput,
  rateSessionInput,
  rescheduleSessionInput,
  SESSION_STATUSES,
  SESSION_TYPES,
  updateSessionInput,
} from '../../core/sessions/index.ts';
import { instantText, text, type Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { acceptEmptyJsonBody } from '../optional-body.ts';
import { bodyFrom, idParams, list, minutes, page, pageQuery, uuid } from '../schemas.ts';
import { idempotencyHeaders } from './bookings.ts';

const commitmentView = z.object({
  id: uuid,
  text: z.string(),
  dueDate: z.string().nullable().describe('YYYY-MM-DD, or null'),
  doneAt: z.date().nullable().describe('When the member marked it done ("Done ✓" in chat); null while open'),
}).meta({ id: 'Commitment', description: 'A short action item the member took on at a session' });

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
  cancelledLate: z.boolean().describe("Cancelled by the member within the coach's cancellation cut-off"),
  cancellation: z
    .object({
      cutoffAt: z.date().describe("From this instant a member's cancellation is late"),
      consumesCredit: z.boolean().describe('Whether a late cancellation by the member uses the credit the session reserved'),
    })
    .describe("The coach's cancellation policy for this session: tell the member before a late cancellation"),
  groupConversationId: uuid.nullable(),
  commitments: z.array(commitmentView).describe('Action items recorded at completion, in the order written; both parties see them (private notes are coachNotes)'),
  series: z
    .object({ id: uuid, position: z.number().int().describe('1-based'), count: z.number().int() })
    .nullable()
    .describe('The recurring series this session is an occurrence of ("3 of 8"), or null'),
  createdAt: z.date(),
  updatedAt: z.date(),
}).meta({ id: 'Session', description: 'A coaching session as the viewer may see it' });

const sessionPage = page(sessionView, 'SessionPage');
const sessionList = list(sessionView, 'SessionList');

// The bodies are core's inputs (src/core/sessions/inputs.ts). Where the API differs: instants are
// ISO text only (core's also take a Date, from code); durations are JSON numbers (`minutes`); and
// a required note needs one character here, core then refusing one of blanks only, as before.
const notes = text(5000);
const requiredNotes = notes.min(1);

const createBody = bodyFrom(createSessionInput, {
  scheduledAt: instantText,
  duration: minutes.describe('Minutes'),
  // Core's default (false) is core's to fill, not the document's to state.
  createGroupConversation: z.boolean().optional(),
});

const updateBody = bodyFrom(updateSessionInput, { duration: minutes.describe('Minutes').optional() });

const rescheduleBody = bodyFrom(rescheduleSessionInput, { scheduledAt: instantText, duration: minutes.describe('Minutes').optional() });

const completeBody = bodyFrom(completeSessionInput, {
  coachNotes: requiredNotes,
  commitments: z
    .array(z.strictObject(commitmentInput.shape))
    .max(MAX_COMMITMENTS)
    .optional()
    .describe(`Short action items for the member (at most ${MAX_COMMITMENTS}, each up to ${MAX_COMMITMENT_CHARS} characters, optional due date YYYY-MM-DD); shown as "Last time:" before the next session`),
});

const notesBody = bodyFrom(notesInput, { notes: requiredNotes });

// Core words a bad rating for a chat; the API keeps the messages it has always answered.
const rateBody = bodyFrom(rateSessionInput, { rating: z.number().int().min(1).max(5) });

const listQuery = pageQuery.extend({
  status: z.enum(SESSION_STATUSES).optional(),
  coachId: uuid.optional(),
  memberId: uuid.optional(),
  from: instantText.optional().describe('Sessions starting at or after'),
  to: instantText.optional().describe('Sessions starting before'),
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
      async (request) => core.sessions.list(actorOf(request), request.query),
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
      async (request) => ({ items: await core.sessions.listUpcoming(actorOf(request), request.query) }),
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
      async (request) => core.sessions.listByMember(actorOf(request), request.params.memberId, request.query),
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
      async (request) => core.sessions.listByCoach(actorOf(request), request.params.coachId, request.query),
    );

    app.get(
      '/sessions/:id',
      { schema: { ...common, operationId: 'getSession', summary: 'A session', params: idParams, response: one } },
      async (request) => core.sessions.get(actorOf(request), request.params.id),
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
          body: completeBody,
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
            body: bodyFrom(cancelSessionInput).nullish(),
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
          body: bodyFrom(noShowInput),
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
          body: rescheduleBody,
          response: one,
        },
      },
      async (request) => core.sessions.reschedule(actorOf(request), request.params.id, request.body),
    );

    app.post(
      '/sessions/:id/coach-notes',
      {
        schema: { ...common, operationId: 'addCoachNotes', summary: 'Add coach notes', params: idParams, body: notesBody, response: one },
      },
      async (request) => core.sessions.addCoachNotes(actorOf(request), request.params.id, request.body),
    );

    app.post(
      '/sessions/:id/member-notes',
      {
        schema: { ...common, operationId: 'addMemberNotes', summary: 'Add member notes', params: idParams, body: notesBody, response: one },
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
          body: rateBody,
          response: one,
        },
      },
      async (request) => core.sessions.rate(actorOf(request), request.params.id, request.body),
    );
  };
}
