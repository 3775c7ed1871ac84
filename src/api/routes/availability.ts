import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createAvailabilityInput, MAX_SEATS_PER_SLOT, MAX_SLOT_MINUTES, MIN_SLOT_MINUTES, updateAvailabilityInput } from '../../core/availability/index.ts';
import { calendarDate, type Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { bodyFrom, idParams, list, uuid } from '../schemas.ts';

const hhmm = z.string().regex(/^\d{2}:\d{2}$/, { message: 'must be a time as HH:mm' });
const date = calendarDate;
const dayOfWeek = z.number().int().min(0).max(6).describe('0-6, Sunday-Saturday, in the coach\'s time zone');

const window = z.object({
  id: uuid,
  coachId: uuid,
  dayOfWeek: z.number().int(),
  startTime: z.string(),
  endTime: z.string(),
  maxSessionsPerSlot: z.number().int(),
  bufferMinutes: z.number().int(),
  isActive: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
}).meta({ id: 'AvailabilityWindow', description: "A weekly window of bookable time, in the coach's zone" });

const windowList = list(window, 'AvailabilityWindowList');

const slot = z.object({
  startsAt: z.string().describe('UTC instant, ISO 8601'),
  date: z.string().describe("The coach's local date"),
  time: z.string().describe("The coach's wall clock"),
  offset: z.string().describe("The coach's UTC offset at the start, e.g. -04:00 (tells apart a repeated hour)"),
  abbreviation: z.string().describe("The coach's zone abbreviation at the start where there is one, e.g. EDT"),
  duration: z.number().int(),
  maxCapacity: z.number().int(),
  availableCapacity: z.number().int(),
}).meta({ id: 'Slot', description: 'A bookable start time with seats left' });

const slotList = list(slot, 'SlotList');

// The bodies are core's inputs (src/core/availability/inputs.ts). Where the API differs: it checks
// times for the HH:mm shape only and leaves the clock's range to core; it answers a bad day or seat
// count in its own words; and core's defaults (1 seat, 15 minutes' buffer) are core's to fill.
const seats = z.number().int().min(1).max(MAX_SEATS_PER_SLOT);

const createBody = bodyFrom(createAvailabilityInput, {
  dayOfWeek,
  startTime: hhmm,
  endTime: hhmm.describe('HH:mm, or 24:00'),
  maxSessionsPerSlot: seats.optional(),
  bufferMinutes: createAvailabilityInput.shape.bufferMinutes.unwrap().optional(),
});

const updateBody = bodyFrom(updateAvailabilityInput, {
  dayOfWeek: dayOfWeek.optional(),
  startTime: hhmm.optional(),
  endTime: hhmm.optional(),
  maxSessionsPerSlot: seats.optional(),
});

const slotsQuery = z.object({
  startDate: date.describe("First coach-local date"),
  endDate: date.describe('Last coach-local date, inclusive'),
  duration: z.coerce.number().int().min(MIN_SLOT_MINUTES).max(MAX_SLOT_MINUTES).optional().describe('Minutes, default 60'),
});

export function availabilityRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const common = { tags: ['availability'] };
    const coachParams = z.object({ coachId: uuid });

    app.get(
      '/coach-availability',
      { schema: { ...common, operationId: 'listMyAvailability', summary: 'Your weekly availability windows', response: { 200: windowList } } },
      async (request) => {
        const actor = actorOf(request);
        return { items: await core.availability.listByCoach(actor, actor.userId) };
      },
    );

    app.get(
      '/coach-availability/:coachId',
      {
        schema: {
          ...common,
          operationId: 'listCoachAvailability',
          summary: "A coach's weekly availability windows",
          params: coachParams,
          response: { 200: windowList },
        },
      },
      async (request) => ({ items: await core.availability.listByCoach(actorOf(request), request.params.coachId) }),
    );

    app.get(
      '/coach-availability/:coachId/slots',
      {
        schema: {
          ...common,
          operationId: 'listSlots',
          summary: 'Bookable slots with seats left between two coach-local dates',
          params: coachParams,
          querystring: slotsQuery,
          response: { 200: slotList },
        },
      },
      async (request) => ({
        items: await core.availability.listSlots(actorOf(request), { coachId: request.params.coachId, ...request.query }),
      }),
    );

    app.post(
      '/coach-availability',
      { schema: { ...common, operationId: 'createAvailabilityWindow', summary: 'Add a weekly availability window', body: createBody, response: { 201: window } } },
      async (request, reply) => reply.code(201).send(await core.availability.create(actorOf(request), request.body)),
    );

    app.patch(
      '/coach-availability/:id',
      {
        schema: { ...common, operationId: 'updateAvailabilityWindow', summary: 'Change an availability window', params: idParams, body: updateBody, response: { 200: window } },
      },
      async (request) => core.availability.update(actorOf(request), request.params.id, request.body),
    );

    app.delete(
      '/coach-availability/:id',
      {
        schema: {
          ...common,
          operationId: 'deleteAvailabilityWindow',
          summary: 'Delete an availability window without upcoming bookings',
          params: idParams,
          response: { 204: z.undefined().describe('Deleted') },
        },
      },
      async (request, reply) => {
        await core.availability.delete(actorOf(request), request.params.id);
        return reply.code(204).send();
      },
    );
  };
}
