import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelBookingSeriesInput, createBookingSeriesInput } from '../../core/bookings/index.ts';
import { ERROR_CODES } from '../../core/error-codes.ts';
import { instantText, type Core } from '../../core/index.ts';
import { SESSION_STATUSES } from '../../core/sessions/index.ts';
import { actorOf } from '../auth.ts';
import { bodyFrom, minutes, uuid } from '../schemas.ts';
import { idempotencyHeaders } from './bookings.ts';

// Recurring series (docs/design.md §9): booked at once, read back, cancelled from an occurrence on.
// Each occurrence is an ordinary session: moved or cancelled alone through /sessions and /bookings.

const occurrence = z
  .object({
    position: z.number().int().describe('1-based'),
    date: z.string().describe("The coach's local date it asked for"),
    time: z.string().describe("The coach's wall clock, HH:mm: the first occurrence's"),
    startsAt: z.string().nullable().describe('Its instant as decided (ISO 8601); null when the clocks skip that wall time that day'),
    status: z.enum(['booked', 'unavailable', 'withheld']).describe('withheld: bookable, but the series was all or nothing and another occurrence was unavailable'),
    reason: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]).nullable()
      .describe('Why it is not booked: the error code a single booking of it would answer (slot_full, nonexistent_time, ...)'),
    session: z
      .object({ id: uuid, status: z.enum(SESSION_STATUSES), scheduledAt: z.date(), bookingId: uuid.nullable() })
      .nullable()
      .describe('The session it booked, as it is now (it may have moved or been cancelled)'),
  })
  .meta({ id: 'BookingSeriesOccurrence' });

const series = z
  .object({
    id: uuid,
    memberId: uuid,
    coachId: uuid,
    timezone: z.string().describe("The coach's zone the wall time is kept in"),
    localTime: z.string().describe('HH:mm'),
    firstStartsAt: z.date(),
    count: z.number().int(),
    interval: z.number().int().describe('Weeks between occurrences'),
    duration: z.number().int(),
    allOrNothing: z.boolean(),
    booked: z.number().int().describe('How many occurrences were booked'),
    occurrences: z.array(occurrence),
    createdAt: z.date(),
  })
  .meta({ id: 'BookingSeries', description: 'A recurring series: every occurrence booked or the reason it is not' });

const createBody = bodyFrom(createBookingSeriesInput, {
  startsAt: instantText.describe("The first occurrence's UTC start instant (ISO 8601), as listed"),
  duration: minutes.optional().describe('Minutes, default 60'),
  interval: createBookingSeriesInput.shape.interval.unwrap().optional(),
  allOrNothing: z.boolean().optional().describe('Book nothing when any occurrence is unavailable (default false)'),
  type: createBookingSeriesInput.shape.type.unwrap().optional(),
});

const cancelBody = bodyFrom(cancelBookingSeriesInput, {
  position: z.number().int().min(1).max(26).optional().describe('The occurrence (1-based) to cancel from; default 1'),
  scope: cancelBookingSeriesInput.shape.scope.unwrap().optional(),
});

const seriesParams = z.object({ seriesId: uuid });

export function bookingSeriesRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const common = { tags: ['bookings'] };

    app.post(
      '/booking-series',
      {
        schema: {
          ...common,
          operationId: 'createBookingSeries',
          summary:
            'Book a recurring series: the first slot, then the same wall time every 1 or 2 weeks (2-26 occurrences), all decided in one transaction. A retry with the same Idempotency-Key answers the same series.',
          headers: idempotencyHeaders(true),
          body: createBody,
          response: { 201: series },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await core.bookingSeries.create(actorOf(request), request.body, request.headers['idempotency-key'] ?? '', 'api')),
    );

    app.get(
      '/booking-series/:seriesId',
      { schema: { ...common, operationId: 'getBookingSeries', summary: 'A recurring series and each occurrence as it is now', params: seriesParams, response: { 200: series } } },
      async (request) => core.bookingSeries.get(actorOf(request), request.params.seriesId),
    );

    app.post(
      '/booking-series/:seriesId/cancel',
      {
        schema: {
          ...common,
          operationId: 'cancelBookingSeries',
          summary: 'Cancel one occurrence (scope this) or it and every later one (scope thisAndLater, the default)',
          params: seriesParams,
          body: cancelBody,
          response: { 200: series },
        },
      },
      async (request) => core.bookingSeries.cancel(actorOf(request), request.params.seriesId, request.body),
    );
  };
}
