import fc from 'fast-check';
import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../src/core/index.ts';
import { dayWindow, isoWeekWindow } from '../../src/core/dashboards/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { DAY, HOUR, MINUTE, failure, party, seedSessions, world, type Party } from './sessions.fixtures.ts';

const ctx = await setupCore();
const { db, core, clock } = ctx;
let w: Awaited<ReturnType<typeof world>>;
/** Dedicated to the properties: each run clears its sessions or members rather than making new users. */
let subjectMember: Party;
let subjectCoach: Party;

beforeAll(async () => {
  w = await world(db);
  subjectMember = await party(db, 'Member', { coachId: w.coach.user.id });
  subjectCoach = await party(db, 'Coach');
});

type Status = 'scheduled' | 'completed' | 'cancelled' | 'no_show';
const statusArb = fc.constantFrom<Status>('scheduled', 'scheduled', 'completed', 'cancelled', 'no_show');
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'];
/** Instants around both 2030 DST changes in either hemisphere, and ordinary days. */
const nowArb = fc.integer({ min: 0, max: 365 * 24 * 4 }).map((quarterHours) => new Date(Date.UTC(2030, 0, 1) + quarterHours * 15 * MINUTE));

describe('member dashboard', () => {
  const specsArb = fc.array(fc.record({ offsetMinutes: fc.integer({ min: -7 * 24 * 60, max: 30 * 24 * 60 }), status: statusArb }), { maxLength: 7 });

  async function arrange(specs: { offsetMinutes: number; status: Status }[]) {
    clock.set(TEST_EPOCH);
    const member = subjectMember;
    await db.session.deleteMany({ where: { memberId: member.user.memberId } });
    const ids = await seedSessions(
      db,
      specs.map((s) => ({ coach: w.coach.user, member: member.user, scheduledAt: new Date(TEST_EPOCH.getTime() + s.offsetMinutes * MINUTE), status: s.status })),
    );
    const upcoming = specs
      .map((s, i) => ({ ...s, id: (ids[i] as { id: string }).id, at: TEST_EPOCH.getTime() + s.offsetMinutes * MINUTE }))
      .filter((s) => s.status === 'scheduled' && s.at >= TEST_EPOCH.getTime())
      .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
    return { member, upcoming };
  }

  // Feature: coaching-platform, Property 36: Member Dashboard Next Session
  it('Property 36: for any member with upcoming sessions, the dashboard returns the one with the earliest scheduledAt', async () => {
    await fc.assert(
      fc.asyncProperty(specsArb, async (specs) => {
        const { member, upcoming } = await arrange(specs);
        const dashboard = await core.dashboards.member(member.actor);
        expect(dashboard.memberId).toBe(member.user.memberId);
        if (upcoming.length === 0) {
          expect(dashboard.nextSession).toBeNull();
          return;
        }
        expect(dashboard.nextSession?.scheduledAt.getTime()).toBe(upcoming[0]?.at);
        expect(dashboard.nextSession?.status).toBe('scheduled');
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 37: Member Dashboard Upcoming Sessions
  it('Property 37: for any member with upcoming sessions, the dashboard returns exactly the next 3 ordered by scheduledAt', async () => {
    await fc.assert(
      fc.asyncProperty(specsArb, async (specs) => {
        const { member, upcoming } = await arrange(specs);
        const viewer = [member, w.coach, w.admin][specs.length % 3] ?? member;
        const dashboard = await core.dashboards.member(viewer.actor, member.user.memberId);
        expect(dashboard.upcomingSessions.map((s) => s.id)).toEqual(upcoming.slice(0, 3).map((s) => s.id));
        const times = dashboard.upcomingSessions.map((s) => s.scheduledAt.getTime());
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }),
      { numRuns: 100 },
    );
  });

  it("refuses another member's or another coach's view of a member dashboard", async () => {
    expect(await failure(() => core.dashboards.member(w.otherMember.actor, w.member.user.memberId))).toBeInstanceOf(ForbiddenError);
    expect(await failure(() => core.dashboards.member(w.otherCoach.actor, w.member.user.memberId))).toBeInstanceOf(ForbiddenError);
  });
});

describe('coach dashboard', () => {
  const sessionsArb = fc.array(fc.record({ offsetMinutes: fc.integer({ min: -10 * 24 * 60, max: 10 * 24 * 60 }), status: statusArb }), { maxLength: 8 });

  async function arrange(zone: string, now: Date, specs: { offsetMinutes: number; status: Status }[]) {
    clock.set(now);
    const coach = subjectCoach;
    await db.session.deleteMany({ where: { coachId: coach.user.id } });
    await db.coachProfile.update({ where: { userId: coach.user.id }, data: { timezone: zone } });
    const at = (s: { offsetMinutes: number }) => new Date(now.getTime() + s.offsetMinutes * MINUTE);
    // The same member also has sessions with another coach at the same times: never counted.
    await seedSessions(db, [
      ...specs.map((s) => ({ coach: coach.user, member: w.member.user, scheduledAt: at(s), status: s.status })),
      ...specs.map((s) => ({ coach: w.otherCoach.user, member: w.member.user, scheduledAt: at(s), status: s.status })),
    ]);
    return { coach, at };
  }

  // Feature: coaching-platform, Property 38: Coach Dashboard Today's Sessions
  it("Property 38: for any coach, the dashboard returns only sessions whose date is today (coach's time zone) and whose coach is the coach", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ZONES), nowArb, sessionsArb, async (zone, now, specs) => {
        const { coach, at } = await arrange(zone, now, specs);
        const today = DateTime.fromJSDate(now, { zone }).toISODate();
        const expected = specs.filter((s) => s.status !== 'cancelled' && DateTime.fromJSDate(at(s), { zone }).toISODate() === today);
        const dashboard = await core.dashboards.coach(coach.actor);
        expect(dashboard.timezone).toBe(zone);
        expect(dashboard.todaysSessions).toHaveLength(expected.length);
        for (const s of dashboard.todaysSessions) {
          expect(s.coachId).toBe(coach.user.id);
          expect(DateTime.fromJSDate(s.scheduledAt, { zone }).toISODate()).toBe(today);
        }
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 39: Coach Dashboard Week Sessions
  it("Property 39: for any coach, the dashboard returns the sessions within the current ISO week (coach's time zone) of that coach", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ZONES), nowArb, sessionsArb, async (zone, now, specs) => {
        const { coach, at } = await arrange(zone, now, specs);
        const local = DateTime.fromJSDate(now, { zone });
        const sameWeek = (d: Date) => {
          const x = DateTime.fromJSDate(d, { zone });
          return x.weekYear === local.weekYear && x.weekNumber === local.weekNumber;
        };
        const expected = specs.filter((s) => s.status !== 'cancelled' && sameWeek(at(s)));
        const dashboard = await core.dashboards.coach(coach.actor);
        expect(dashboard.weekSessions).toHaveLength(expected.length);
        for (const s of dashboard.weekSessions) {
          expect(s.coachId).toBe(coach.user.id);
          expect(sameWeek(s.scheduledAt)).toBe(true);
        }
        const times = dashboard.weekSessions.map((s) => s.scheduledAt.getTime());
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 40: Coach Dashboard Member Count
  it('Property 40: for any coach, the active member count equals the members assigned to the coach with membershipStatus "active"', async () => {
    const statusesArb = fc.array(
      fc.record({ mine: fc.boolean(), status: fc.constantFrom('active', 'inactive', 'paused') as fc.Arbitrary<'active' | 'inactive' | 'paused'> }),
      { maxLength: 6 },
    );
    await fc.assert(
      fc.asyncProperty(statusesArb, async (members) => {
        const coach = subjectCoach;
        await db.memberProfile.deleteMany({ where: { coachId: coach.user.id } });
        const created = await db.$transaction(async (tx) => {
          const users = await tx.user.createManyAndReturn({ data: members.map((_, i) => ({ name: `m${i}`, role: 'Member' as const })), select: { id: true } });
          await tx.memberProfile.createMany({
            data: members.map((m, i) => ({
              userId: (users[i] as { id: string }).id,
              coachId: m.mine ? coach.user.id : w.otherCoach.user.id,
              membershipStatus: m.status,
            })),
          });
          return users.length;
        });
        expect(created).toBe(members.length);
        const dashboard = await core.dashboards.coach(coach.actor);
        expect(dashboard.activeMemberCount).toBe(members.filter((m) => m.mine && m.status === 'active').length);
        expect((await core.dashboards.coach(w.admin.actor, coach.user.id)).activeMemberCount).toBe(dashboard.activeMemberCount);
      }),
      { numRuns: 100 },
    );
  });

  it("lets a coach see only their own dashboard; an admin sees any coach's", async () => {
    expect(await failure(() => core.dashboards.coach(w.coach.actor, w.otherCoach.user.id))).toBeInstanceOf(ForbiddenError);
    expect((await core.dashboards.coach(w.admin.actor, w.otherCoach.user.id)).coachId).toBe(w.otherCoach.user.id);
  });

  it('uses 23- and 25-hour days across DST changes and Monday-to-Sunday weeks', () => {
    const spring = dayWindow(new Date('2030-03-31T12:00:00Z'), 'Europe/Paris');
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * HOUR);
    const autumn = dayWindow(new Date('2030-10-27T12:00:00Z'), 'Europe/Paris');
    expect(autumn.end.getTime() - autumn.start.getTime()).toBe(25 * HOUR);
    // 2030-01-06 23:30 in New York is still Sunday there: the week began on Monday 2029-12-31.
    const week = isoWeekWindow(new Date('2030-01-07T04:30:00Z'), 'America/New_York');
    expect(week.start.toISOString()).toBe('2029-12-31T05:00:00.000Z');
    expect(week.end.getTime() - week.start.getTime()).toBe(7 * DAY);
  });
});
