import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BOOKING_STATUSES, cancelBookingInput, createBookingInput } from '../../core/bookings/index.ts';
import { calendarDate, instantText, type Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { acceptEmptyJsonBody } from '../optional-body.ts';
import { bodyFrom, idParams, list, minutes, page, pageQuery, uuid } from '../schemas.ts';

const date = calendarDate;

export const bookingSchema = z.object({
  id: uuid,
  memberId: uuid.describe('Member profile id'),
  coachId: uuid.describe("The coach's user id"),
  requestedDate: z.string().describe("The coach's local date"),
  requestedTime: z.string().describe("The coach's wall clock, HH:mm"),
  slotStartsAt: z.date(),
  duration: z.number().int(),
  status: z.enum(BOOKING_STATUSES),
  memberNotes: z.string().nullable(),
  sessionId: uuid.nullable(),
  rejectionReason: z.string().nullable(),
  cancelledAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
}).meta({ id: 'Booking', description: "A member's request for a slot; confirmed bookings have a session" });

const booking = bookingSchema;
const bookingPage = page(booking, 'BookingPage');
const bookingList = list(booking, 'BookingList');

// The bodies are core's inputs (src/core/bookings/inputs.ts). Where the API differs: startsAt is
// ISO text only (core's also takes a Date, from code); the duration is a JSON number (`minutes`);
// and core's defaults (duration 60, type regular) are core's to fill, not the document's to state.
const createBody = bodyFrom(createBookingInput, {
  startsAt: instantText.optional().describe("The slot's UTC start instant (ISO 8601), as listed; instead of requestedDate + requestedTime"),
  duration: minutes.optional().describe('Minutes, default 60'),
  type: createBookingInput.shape.type.unwrap().optional(),
});

// Loose: Fastify replaces request.headers with the parsed value, and the other headers must stay.
export const idempotencyHeaders = (required: boolean) =>
  z.looseObject({
    'idempotency-key': required
      ? z.string({ message: 'is required: send a unique Idempotency-Key header per booking' }).min(1).max(255)
      : z.string().min(1).max(255).optional(),
  });

const listQuery = pageQuery.extend({
  status: z.enum(BOOKING_STATUSES).optional(),
  coachId: uuid.optional(),
  memberId: uuid.optional(),
  from: date.optional().describe('Coach-local date, inclusive'),
  to: date.optional().describe('Coach-local date, inclusive'),
});

export function bookingRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const common = { tags: ['bookings'] };

    app.get(
      '/bookings',
      { schema: { ...common, operationId: 'listBookings', summary: 'Bookings you may see, newest first', querystring: listQuery, response: { 200: bookingPage } } },
      async (request) => core.bookings.list(actorOf(request), request.query),
    );

    app.get(
      '/bookings/pending',
      {
        schema: {
          ...common,
          operationId: 'listPendingBookings',
          summary: "A coach's pending bookings (yours by default)",
          querystring: z.object({ coachId: uuid.optional() }),
          response: { 200: bookingList },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        return { items: await core.bookings.listPending(actor, request.query.coachId ?? actor.userId) };
      },
    );

    app.get(
      '/bookings/:id',
      { schema: { ...common, operationId: 'getBooking', summary: 'A booking', params: idParams, response: { 200: booking } } },
      async (request) => core.bookings.get(actorOf(request), request.params.id),
    );

    app.post(
      '/bookings',
      {
        schema: {
          ...common,
          operationId: 'createBooking',
          summary: 'Book a slot (by startsAt, or by requestedDate + requestedTime); confirmed at once when it has a seat. A retry with the same Idempotency-Key answers the first result.',
          headers: idempotencyHeaders(true),
          body: createBody,
          response: { 201: booking },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await core.bookings.create(actorOf(request), request.body, request.headers['idempotency-key'] ?? '', 'api')),
    );

    // The reason is optional, so is the body: none, or an empty one, means no reason.
    await app.register(async (scope) => {
      acceptEmptyJsonBody(scope);
      scope.withTypeProvider<ZodTypeProvider>().delete(
        '/bookings/:id',
        {
          schema: {
            ...common,
            operationId: 'cancelBooking',
            summary: 'Cancel a booking and its session, freeing the seat (the body is optional)',
            params: idParams,
            body: bodyFrom(cancelBookingInput).nullish(),
            response: { 200: booking },
          },
        },
        async (request) => core.bookings.cancel(actorOf(request), request.params.id, request.body ?? {}),
      );
    });
  };
}
