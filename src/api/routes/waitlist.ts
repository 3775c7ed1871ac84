import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { instantText, type Core } from '../../core/index.ts';
import { joinWaitlistInput, WAITLIST_STATUSES } from '../../core/waitlist/index.ts';
import { actorOf } from '../auth.ts';
import { bodyFrom, minutes, page, pageQuery, uuid } from '../schemas.ts';
import { bookingSchema, idempotencyHeaders } from './bookings.ts';

// The waitlist of full slots (docs/design.md §11): join, list, leave, and claim a held seat.

const entry = z.object({
  id: uuid,
  coachId: uuid.describe("The coach's user id"),
  memberId: uuid.describe('Member profile id'),
  startsAt: z.date().describe("The slot's UTC start instant"),
  duration: z.number().int(),
  status: z.enum(WAITLIST_STATUSES).describe('waiting in line; offered (a seat held until holdUntil); or ended: claimed, passed, expired, closed, left'),
  position: z.number().int().nullable().describe("Place among the slot's live entries, 1 = next; null once ended"),
  offeredAt: z.date().nullable(),
  holdUntil: z.date().nullable().describe('While offered: the held seat is claimable until then'),
  endedAt: z.date().nullable(),
  bookingId: uuid.nullable().describe('The booking a claim made'),
  createdAt: z.date(),
}).meta({ id: 'WaitlistEntry', description: "A member's place in line for a full slot" });

const entryPage = page(entry, 'WaitlistEntryPage');

const joinBody = bodyFrom(joinWaitlistInput, {
  startsAt: instantText.describe("The full slot's UTC start instant (ISO 8601), as listed"),
  duration: minutes.optional().describe('Minutes, default 60'),
});

const listQuery = pageQuery.extend({
  coachId: uuid.optional(),
  memberId: uuid.optional(),
  scope: z.enum(['live', 'all']).optional().describe('live (default): in line or holding a seat; all: ended entries too'),
});

const entryParams = z.object({ entryId: uuid });

export function waitlistRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const common = { tags: ['waitlist'] };

    app.get(
      '/waitlist',
      {
        schema: {
          ...common,
          operationId: 'listWaitlist',
          summary: 'Waitlist entries you may see, with their positions: a member their own, a coach their slots, an admin all',
          querystring: listQuery,
          response: { 200: entryPage },
        },
      },
      async (request) => core.waitlist.list(actorOf(request), request.query),
    );

    app.post(
      '/waitlist',
      {
        schema: {
          ...common,
          operationId: 'joinWaitlist',
          summary: 'Join the line for a full slot (memberId: an admin or the coach names the member; a member joins as themselves)',
          body: joinBody,
          response: { 201: entry },
        },
      },
      async (request, reply) => reply.code(201).send(await core.waitlist.join(actorOf(request), request.body)),
    );

    app.delete(
      '/waitlist/:entryId',
      {
        schema: {
          ...common,
          operationId: 'leaveWaitlist',
          summary: 'Leave the line; a seat held for you goes to the next member. Leaving an ended entry answers it as it is',
          params: entryParams,
          response: { 200: entry },
        },
      },
      async (request) => core.waitlist.leave(actorOf(request), request.params.entryId),
    );

    app.post(
      '/waitlist/:entryId/claim',
      {
        schema: {
          ...common,
          operationId: 'claimWaitlistOffer',
          summary: 'Book the seat an offer holds for you, before its holdUntil. A retry with the same Idempotency-Key answers the first result, as POST /bookings does.',
          headers: idempotencyHeaders(true),
          params: entryParams,
          response: { 201: bookingSchema },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await core.waitlist.claim(actorOf(request), request.params.entryId, request.headers['idempotency-key'] ?? '', 'api')),
    );
  };
}
