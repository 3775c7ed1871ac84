import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../src/core/index.ts';
import type { Actor } from '../../src/core/index.ts';
import { viewSession, type SessionRecord } from '../../src/core/sessions/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { DAY, HOUR, failure, party, seedSessions, world, type Party } from './sessions.fixtures.ts';

const ctx = await setupCore();
const { db, core, clock } = ctx;

let w: Awaited<ReturnType<typeof world>>;
/** A member of `w.coach` who also had a session with `w.otherCoach` before being reassigned. */
let shared: Party;
let sessions: { id: string; memberUserId: string; memberId: string; coachId: string; status: string }[];

beforeAll(async () => {
  w = await world(db);
  shared = await party(db, 'Member', { coachId: w.coach.user.id });
  clock.set(TEST_EPOCH);
  const pairs: [Party, Party][] = [
    [w.coach, w.member],
    [w.coach, shared],
    [w.otherCoach, w.otherMember],
    [w.otherCoach, shared],
  ];
  const statuses = ['scheduled', 'completed', 'cancelled', 'no_show'] as const;
  const specs = pairs.flatMap(([coach, member], p) =>
    statuses.map((status, i) => ({
      coach: coach.user,
      member: member.user,
      scheduledAt: new Date(TEST_EPOCH.getTime() + (p * 4 + i - 6) * DAY + i * HOUR),
      status,
      coachNotes: `coach note ${p}-${i}`,
      memberNotes: `member note ${p}-${i}`,
    })),
  );
  const ids = await seedSessions(db, specs);
  sessions = specs.map((s, i) => ({
    id: (ids[i] as { id: string }).id,
    memberUserId: s.member.id,
    memberId: s.member.memberId as string,
    coachId: s.coach.id,
    status: s.status,
  }));
});

const roleArb = fc.constantFrom<Actor['role']>('Member', 'Coach', 'Admin');
const userArb = fc.constantFrom('u1', 'u2', 'u3', 'u4');
const actorArb = fc.record({ userId: userArb, role: roleArb }).map((a): Actor => ({ ...a, permissions: new Set(a.role === 'Admin' ? ['admin'] : ['sessions:read']) }));
const recordArb = fc
  .record({
    coachId: userArb,
    memberUserId: userArb,
    memberCoachId: fc.option(userArb, { nil: null }),
    coachNotes: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
    memberNotes: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
  })
  .map(
    (p): SessionRecord => ({
      ...p,
      id: 's',
      calendarEventId: 'e',
      memberId: 'm',
      type: 'regular',
      status: 'scheduled',
      duration: 60,
      scheduledAt: TEST_EPOCH,
      outcomes: null,
      rating: null,
      ratingFeedback: null,
      ratedAt: null,
      completedAt: null,
      cancelledAt: null,
      cancellationReason: null,
      cancelledLate: false,
      cancellation: { cutoffAt: TEST_EPOCH, consumesCredit: false },
      cancelledById: null,
      noShowParty: null,
      createdAt: TEST_EPOCH,
      updatedAt: TEST_EPOCH,
      memberName: 'M',
      coachName: 'C',
      groupConversationId: null,
      commitments: [],
      series: null,
    }),
  );

const readers = () => [w.member, shared, w.otherMember, w.coach, w.otherCoach, w.admin];

describe('notes visibility', () => {
  // Feature: coaching-platform, Property 21: Coach Notes Visibility
  it('Property 21: for any session with coach notes, coaches and admins see them and members never do', async () => {
    fc.assert(
      fc.property(actorArb, recordArb, (actor, record) => {
        const view = viewSession(actor, record);
        const canReadAsCoach = actor.userId === record.coachId || actor.userId === record.memberCoachId;
        const expected = actor.role === 'Admin' || (actor.role === 'Coach' && canReadAsCoach);
        expect('coachNotes' in view).toBe(expected);
        if (actor.role === 'Member') expect(view.coachNotes).toBeUndefined();
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 15 }), fc.nat({ max: 5 }), async (s, r) => {
        const session = sessions[s] as (typeof sessions)[number];
        const reader = readers()[r] as Party;
        const seen = await core.sessions.get(reader.actor, session.id).catch((e: unknown) => e);
        if (seen instanceof ForbiddenError) return;
        if (seen instanceof Error) throw seen;
        const view = seen as Awaited<ReturnType<typeof core.sessions.get>>;
        if (reader.actor.role === 'Member') expect(view).not.toHaveProperty('coachNotes');
        else expect(view.coachNotes).toMatch(/^coach note /);
        const listed = await core.sessions.list(reader.actor, { limit: 100 });
        for (const item of listed.items) {
          if (reader.actor.role === 'Member') expect(item).not.toHaveProperty('coachNotes');
          else expect(item.coachNotes).toMatch(/^coach note /);
        }
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 22: Member Notes Visibility
  it('Property 22: for any session with member notes, they are visible to that member, their coach and admins', async () => {
    fc.assert(
      fc.property(actorArb, recordArb, (actor, record) => {
        const view = viewSession(actor, record);
        const expected =
          actor.role === 'Admin' || actor.userId === record.memberUserId || actor.userId === record.coachId || actor.userId === record.memberCoachId;
        expect('memberNotes' in view).toBe(expected);
        if (expected) expect(view.memberNotes).toBe(record.memberNotes);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 15 }), fc.nat({ max: 5 }), async (s, r) => {
        const session = sessions[s] as (typeof sessions)[number];
        const reader = readers()[r] as Party;
        const seen = await core.sessions.get(reader.actor, session.id).catch((e: unknown) => e);
        if (seen instanceof ForbiddenError) {
          expect(reader.user.role).not.toBe('Admin');
          return;
        }
        if (seen instanceof Error) throw seen;
        expect((seen as { memberNotes?: string }).memberNotes).toMatch(/^member note /);
      }),
      { numRuns: 100 },
    );
  });
});

describe('session data isolation', () => {
  // Feature: coaching-platform, Property 51: Member Session Data Isolation
  it("Property 51: for any member querying sessions, only sessions with the member's profile id are returned", async () => {
    const filterArb = fc.record({
      status: fc.option(fc.constantFrom('scheduled', 'completed', 'cancelled', 'no_show') as fc.Arbitrary<'scheduled'>, { nil: undefined }),
      limit: fc.integer({ min: 1, max: 20 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 2), filterArb, fc.nat({ max: 15 }), async (m, filter, s) => {
        const member = [w.member, shared, w.otherMember][m] as Party;
        const mine = sessions.filter((x) => x.memberUserId === member.user.id && (!filter.status || x.status === filter.status));
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await core.sessions.list(member.actor, { ...filter, cursor });
          for (const item of page.items) {
            expect(item.memberId).toBe(member.user.memberId);
            seen.push(item.id);
          }
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(seen.sort()).toEqual(mine.map((x) => x.id).sort());
        const upcoming = await core.sessions.listUpcoming(member.actor);
        expect(upcoming.every((x) => x.memberId === member.user.memberId)).toBe(true);
        // Reading someone else's session by id is refused outright.
        const target = sessions[s] as (typeof sessions)[number];
        const result = await core.sessions.get(member.actor, target.id).catch((e: unknown) => e);
        if (target.memberUserId === member.user.id) expect(result).toMatchObject({ id: target.id });
        else expect(result).toBeInstanceOf(ForbiddenError);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 56: Cross-Coach Session Access Prevention
  it('Property 56: for any coach viewing sessions of members not assigned to them, the answer is 403 Forbidden', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat({ max: 15 }), async (first, s) => {
        const coach = first ? w.coach : w.otherCoach;
        const target = sessions[s] as (typeof sessions)[number];
        const assigned = (await db.memberProfile.findUniqueOrThrow({ where: { id: target.memberId } })).coachId;
        const allowed = target.coachId === coach.user.id || assigned === coach.user.id;
        const result = await core.sessions.get(coach.actor, target.id).catch((e: unknown) => e);
        if (allowed) expect(result).toMatchObject({ id: target.id });
        else expect(result).toBeInstanceOf(ForbiddenError);
        const byMember = await core.sessions.listByMember(coach.actor, target.memberId, { limit: 100 }).catch((e: unknown) => e);
        if (assigned === coach.user.id) expect(byMember).toHaveProperty('items');
        else expect(byMember).toBeInstanceOf(ForbiddenError);
        const listed = await core.sessions.list(coach.actor, { limit: 100 });
        for (const item of listed.items) {
          const memberCoach = (await db.memberProfile.findUniqueOrThrow({ where: { id: item.memberId } })).coachId;
          expect(item.coachId === coach.user.id || memberCoach === coach.user.id).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a coach listing another coach's sessions by coach id, and a member another member's", async () => {
    expect(await failure(() => core.sessions.listByCoach(w.coach.actor, w.otherCoach.user.id))).toBeInstanceOf(ForbiddenError);
    expect(await failure(() => core.sessions.listByMember(w.member.actor, w.otherMember.user.memberId as string))).toBeInstanceOf(ForbiddenError);
    const admin = await core.sessions.list(w.admin.actor, { limit: 100 });
    expect(admin.items).toHaveLength(sessions.length);
  });

  it('filters by time range and status, oldest first, with working cursors', async () => {
    const from = new Date(TEST_EPOCH.getTime() - 3 * DAY);
    const to = new Date(TEST_EPOCH.getTime() + 3 * DAY);
    const page1 = await core.sessions.list(w.admin.actor, { from, to, limit: 2 });
    const expected = sessions.length;
    expect(expected).toBeGreaterThan(0);
    const all = [...page1.items];
    let cursor = page1.nextCursor;
    while (cursor) {
      const next = await core.sessions.list(w.admin.actor, { from, to, limit: 2, cursor });
      all.push(...next.items);
      cursor = next.nextCursor;
    }
    expect(all.every((s) => s.scheduledAt >= from && s.scheduledAt < to)).toBe(true);
    expect(all.map((s) => s.scheduledAt.getTime())).toEqual([...all.map((s) => s.scheduledAt.getTime())].sort((a, b) => a - b));
    const direct = await db.session.count({ where: { scheduledAt: { gte: from, lt: to } } });
    expect(all).toHaveLength(direct);
  });
});
