import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { idParams, uuid } from '../schemas.ts';
import { sessionView } from './sessions.ts';
import { ROLE } from './users.ts';

const attendance = z
  .object({
    since: z.date(),
    sessions: z.number().int().describe('Sessions scheduled from `since` until now, whatever became of them'),
    lateCancellations: z.number().int().describe("Of them, cancelled by the member within the coach's cut-off"),
    noShows: z.number().int().describe('Of them, missed by the member'),
    lateCancellationRate: z.number().nullable(),
    noShowRate: z.number().nullable(),
  })
  .meta({ id: 'AttendanceRates', description: 'Late cancellations and no-shows of the last 90 days' });

const memberDashboard = z.object({
  memberId: uuid,
  nextSession: sessionView.nullable(),
  upcomingSessions: z.array(sessionView).describe('The next three, soonest first'),
  attendance: attendance.nullable().describe("The member's rates with their coach; null without a coach"),
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
  attendance: attendance.describe("Over all the coach's members"),
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
