import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_MEMBERS_LIMIT, updateCoachInput } from '../../core/coaches/index.ts';
import { text, type Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { bodyFrom, idParams, page, pageQuery, queryBool, uuid } from '../schemas.ts';

const coach = z.object({
  id: uuid.describe("The coach's user id: what every coachId refers to"),
  profileId: uuid,
  name: z.string(),
  email: z.string().nullable().optional().describe('Only for admins and the coach themself'),
  isActive: z.boolean(),
  specialization: z.string().nullable(),
  bio: z.string().nullable(),
  certifications: z.string().nullable(),
  maxMembers: z.number().int(),
  isAcceptingMembers: z.boolean(),
  timezone: z.string().describe('IANA zone of the weekly availability'),
  requiresCredits: z.boolean().describe("Whether a booking spends one of the member's credits"),
  cancellationCutoffHours: z.number().int().describe('A cancellation within this many hours of the start is late'),
  lateCancelConsumes: z.boolean().describe("Whether a member's late cancellation consumes the reserved credit"),
  noShowConsumes: z.boolean().describe("Whether a member's no-show consumes the reserved credit"),
  currentMemberCount: z.number().int(),
  hasCapacity: z.boolean(),
  averageRating: z.number().nullable(),
  ratingCount: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
}).meta({ id: 'Coach' });

const coachPage = page(coach, 'CoachPage');

// The body is core's input (src/core/coaches/inputs.ts). Where the API differs, it checks type and
// length only and leaves the rest to core (a specialization's characters, trimming notes, a known
// time zone, its wording of a bad member limit), whose 400 has always answered those.
const updateBody = bodyFrom(updateCoachInput, {
  specialization: text(100).nullable().optional(),
  bio: text(2000).nullable().optional(),
  certifications: text(1000).nullable().optional(),
  maxMembers: z.number().int().min(1).max(MAX_MEMBERS_LIMIT).optional(),
  timezone: z.string().min(1).max(64).optional(),
});

const listQuery = pageQuery.extend({
  isAcceptingMembers: queryBool.optional(),
  search: text(100).min(1).optional(),
});

export function coachRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const common = { tags: ['coaches'] };

    app.get(
      '/coaches',
      { schema: { ...common, operationId: 'listCoaches', summary: 'Every coach (admin)', querystring: listQuery, response: { 200: coachPage } } },
      async (request) => core.coaches.list(actorOf(request), request.query),
    );

    app.get(
      '/coaches/accepting',
      {
        schema: {
          ...common,
          operationId: 'listAcceptingCoaches',
          summary: 'Coaches accepting members (full ones listed with hasCapacity=false)',
          querystring: pageQuery,
          response: { 200: coachPage },
        },
      },
      async (request) => core.coaches.listAccepting(request.query),
    );

    app.get(
      '/coaches/:id',
      { schema: { ...common, operationId: 'getCoach', summary: 'A coach with member count and average rating', params: idParams, response: { 200: coach } } },
      async (request) => core.coaches.get(actorOf(request), request.params.id),
    );

    app.patch(
      '/coaches/:id',
      {
        schema: {
          ...common,
          operationId: 'updateCoach',
          summary: 'Update a coach profile (the coach, or coaches:write)',
          params: idParams,
          body: updateBody,
          response: { 200: coach },
        },
      },
      async (request) => core.coaches.updateProfile(actorOf(request), request.params.id, request.body),
    );
  };
}
