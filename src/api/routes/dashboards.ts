import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { idParams, uuid } from '../schemas.ts';
import { sessionView } from './sessions.ts';
import { ROLE } from './users.ts';

const memberDashboard = z.object({
  memberId: uuid,
  nextSession: sessionView.nullable(),
  upcomingSessions: z.array(sessionView).describe('The next three, soonest first'),
}).meta({ id: 'MemberDashboard' });

const coachDashboard = z.object({
  coachId: uuid,
  timezone: z.string().describe('"Today" and "this week" are in this zone'),
  todaysSessions: z.array(sessionView),
  weekSessions: z.array(sessionView),
  upcomingSessions: z.array(sessionView),
  activeMemberCount: z.number().int(),
  averageRating: z.number().nullable(),
  ratingCount: z.number().int(),
}).meta({ id: 'CoachDashboard' });

const myDashboard = z.object({
  role: ROLE,
  member: memberDashboard.nullable().describe('For members'),
  coach: coachDashboard.nullable().describe('For coaches'),
}).meta({ id: 'MyDashboard' });

export function dashboardRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const common = { tags: ['dashboards'] };

    app.get(
      '/me/dashboard',
      {
        schema: {
          ...common,
          operationId: 'getMyDashboard',
          summary: "Your dashboard: a member's next sessions, or a coach's day and week (admins have neither)",
          response: { 200: myDashboard },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        return {
          role: actor.role,
          member: actor.role === 'Member' ? await core.dashboards.member(actor) : null,
          coach: actor.role === 'Coach' ? await core.dashboards.coach(actor) : null,
        };
      },
    );

    app.get(
      '/members/:id/dashboard',
      { schema: { ...common, operationId: 'getMemberDashboard', summary: "A member's dashboard", params: idParams, response: { 200: memberDashboard } } },
      async (request) => core.dashboards.member(actorOf(request), request.params.id),
    );

    app.get(
      '/coaches/:id/dashboard',
      { schema: { ...common, operationId: 'getCoachDashboard', summary: "A coach's dashboard", params: idParams, response: { 200: coachDashboard } } },
      async (request) => core.dashboards.coach(actorOf(request), request.params.id),
    );
  };
}
