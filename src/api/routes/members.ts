import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createMemberInput, MEMBERSHIP_STATUSES, ONBOARDING_STATUSES, updateMemberInput } from '../../core/members/index.ts';
import { text as boundedText, type Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { bodyFrom, idParams, page, pageQuery, uuid } from '../schemas.ts';

const member = z.object({
  id: uuid.describe('Member profile id: what sessions.memberId and bookings.memberId refer to'),
  userId: uuid,
  coachId: uuid.nullable().describe("The coach's user id"),
  membershipStatus: z.enum(MEMBERSHIP_STATUSES),
  onboardingStatus: z.enum(ONBOARDING_STATUSES),
  goals: z.string().nullable(),
  healthInfo: z.string().nullable(),
  coachNotes: z.string().nullable().describe('Null for members: coach notes are the coach\'s'),
  joinedAt: z.date(),
  createdAt: z.date(),
  updatedAt: z.date(),
  user: z.object({ id: uuid, name: z.string(), email: z.string().nullable(), timezone: z.string(), locale: z.string(), isActive: z.boolean() }),
  coach: z.object({ id: uuid, name: z.string() }).nullable(),
}).meta({ id: 'Member', description: 'A member profile with its user and coach' });

const memberPage = page(member, 'MemberPage');

// The bodies are core's inputs (src/core/members/inputs.ts). Where the API differs, it checks notes
// for type and length only: core trims them, refuses control characters and reads "" as none.
const text = (max: number) => boundedText(max).nullable().optional();

const createBody = bodyFrom(createMemberInput, { goals: text(2000), healthInfo: text(4000) });

const updateBody = bodyFrom(updateMemberInput, {
  goals: text(2000),
  healthInfo: text(4000),
  coachNotes: text(10000).describe('Coach or admin only'),
});

const listQuery = pageQuery.extend({
  coachId: uuid.optional(),
  membershipStatus: z.enum(MEMBERSHIP_STATUSES).optional(),
  onboardingStatus: z.enum(ONBOARDING_STATUSES).optional(),
  search: boundedText(100).min(1).optional().describe('Part of the member\'s name'),
});

export function memberRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['members'];
    const common = { tags };

    app.get(
      '/members',
      {
        schema: {
          ...common,
          operationId: 'listMembers',
          summary: 'Members you may see: a coach\'s own, everyone for an admin, yourself for a member',
          querystring: listQuery,
          response: { 200: memberPage },
        },
      },
      async (request) => core.members.list(actorOf(request), request.query),
    );

    app.get(
      '/members/coach/:coachId',
      {
        schema: {
          ...common,
          operationId: 'listCoachMembers',
          summary: 'A coach\'s members (that coach, or an admin)',
          params: z.object({ coachId: uuid }),
          querystring: pageQuery,
          response: { 200: memberPage },
        },
      },
      async (request) => core.members.listByCoach(actorOf(request), request.params.coachId, request.query),
    );

    app.get(
      '/members/:id',
      { schema: { ...common, operationId: 'getMember', summary: 'A member profile', params: idParams, response: { 200: member } } },
      async (request) => core.members.get(actorOf(request), request.params.id),
    );

    app.post(
      '/members',
      {
        schema: { ...common, operationId: 'createMember', summary: 'Create the profile of a Member account that has none', body: createBody, response: { 201: member } },
      },
      async (request, reply) => reply.code(201).send(await core.members.create(actorOf(request), request.body)),
    );

    app.patch(
      '/members/:id',
      {
        schema: { ...common, operationId: 'updateMember', summary: 'Update a member profile', params: idParams, body: updateBody, response: { 200: member } },
      },
      async (request) => core.members.update(actorOf(request), request.params.id, request.body),
    );

    app.patch(
      '/members/:id/assign-coach',
      {
        schema: {
          ...common,
          operationId: 'assignCoach',
          summary: 'Assign or move a member to a coach (coaches:write); opens their direct conversation',
          params: idParams,
          // API-only: core's assignCoach takes the coach's id as an argument.
          body: z.strictObject({ coachId: uuid.describe("The coach's user id") }),
          response: { 200: member },
        },
      },
      async (request) => core.members.assignCoach(actorOf(request), request.params.id, request.body.coachId),
    );

    app.patch(
      '/members/:id/onboarding',
      {
        schema: {
          ...common,
          operationId: 'updateOnboardingStatus',
          summary: 'Update onboarding status',
          params: idParams,
          // API-only: core's updateOnboardingStatus takes the status as an argument.
          body: z.strictObject({ onboardingStatus: z.enum(ONBOARDING_STATUSES) }),
          response: { 200: member },
        },
      },
      async (request) => core.members.updateOnboardingStatus(actorOf(request), request.params.id, request.body.onboardingStatus),
    );
  };
}
