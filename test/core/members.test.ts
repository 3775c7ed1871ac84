import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError, type Actor } from '../../src/core/index.ts';
import { directKey } from '../../src/core/conversations/index.ts';
import { setupCore } from '../helpers/core.ts';
import { allPages } from '../helpers/pages.ts';
import { expectFieldError, failure, people, person, type Person } from './members.fixtures.ts';

const { db, core } = await setupCore();

let admin: Person;
let coaches: Person[];
let members: Person[];

beforeAll(async () => {
  admin = await person(db, 'Admin');
  coaches = await people(db, 'Coach', 3, { maxMembers: 1000 });
  members = await people(db, 'Member', 8);
});

const statusArb = fc.constantFrom('active', 'inactive', 'paused') as fc.Arbitrary<'active' | 'inactive' | 'paused'>;


/** Puts the fixture members with the coaches given by index (3 = no coach) and the statuses given, in one statement. */
async function arrange(assignment: number[], statuses: ('active' | 'inactive' | 'paused')[]) {
  const rows = members.map((m, i) => ({
    id: m.user.memberId as string,
    coachId: coaches[assignment[i] ?? 3]?.user.id ?? null,
    status: statuses[i] ?? 'active',
  }));
  await db.$executeRaw`
    UPDATE "member_profiles" m SET "coachId" = v."coachId", "membershipStatus" = v."status"::"MembershipStatus"
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v("id" text, "coachId" text, "status" text)
    WHERE m."id" = v."id"`;
}

const arrangementArb = fc.record({
  assignment: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
  statuses: fc.array(statusArb, { minLength: 8, maxLength: 8 }),
  limit: fc.integer({ min: 1, max: 5 }),
  status: fc.option(statusArb, { nil: undefined }),
});

describe('member listing visibility', () => {
  // Feature: coaching-platform, Property 2: Coach Data Isolation
  it('Property 2: for any coach querying the members list, the returned members are exactly those whose coachId is the coach', async () => {
    await fc.assert(
      fc.asyncProperty(arrangementArb, fc.integer({ min: 0, max: 2 }), async ({ assignment, statuses, limit, status }, c) => {
        await arrange(assignment, statuses);
        const coach = coaches[c] as Person;
        const listed = await allPages((cursor) => core.members.list(coach.actor, { limit, cursor, membershipStatus: status }));
        expect(listed.every((m) => m.coachId === coach.user.id)).toBe(true);
        const expected = members
          .filter((_, i) => assignment[i] === c && (!status || statuses[i] === status))
          .map((m) => m.user.memberId);
        expect(listed.map((m) => m.id).sort()).toEqual(expected.sort());
        // Naming another coach in the filter does not widen a coach's view.
        const other = coaches[(c + 1) % 3] as Person;
        const widened = await core.members.list(coach.actor, { coachId: other.user.id });
        expect(widened.items).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 3: Admin Full Visibility
  it('Property 3: for any admin querying the members list, all members are returned regardless of coach assignment', async () => {
    await fc.assert(
      fc.asyncProperty(arrangementArb, async ({ assignment, statuses, limit, status }) => {
        await arrange(assignment, statuses);
        const listed = await allPages((cursor) => core.members.list(admin.actor, { limit, cursor, membershipStatus: status }));
        const all = await db.memberProfile.findMany({ where: status ? { membershipStatus: status } : {}, select: { id: true } });
        expect(listed.map((m) => m.id).sort()).toEqual(all.map((m) => m.id).sort());
        expect(new Set(listed.map((m) => m.id)).size).toBe(listed.length);
      }),
      { numRuns: 100 },
    );
  });

  it('shows a member only themself, and searches by name', async () => {
    const [m] = members as [Person];
    const own = await core.members.list(m.actor);
    expect(own.items.map((x) => x.id)).toEqual([m.user.memberId]);
    const named = await person(db, 'Member', { name: 'Zelda Quixote' });
    const found = await core.members.list(admin.actor, { search: 'quix' });
    expect(found.items.map((x) => x.id)).toEqual([named.user.memberId]);
  });
});

describe('updating a member profile', () => {
  const goodText = (max: number) => fc.option(fc.string({ maxLength: Math.min(max, 60) }), { nil: undefined });
  const validArb = fc
    .record({ goals: goodText(2000), healthInfo: goodText(4000), coachNotes: goodText(10000), membershipStatus: fc.option(statusArb, { nil: undefined }) })
    .filter((c) => Object.values(c).some((v) => v !== undefined));
  const invalidArb = fc.oneof(
    fc.integer({ min: 2001, max: 2100 }).map((n) => ({ changes: { goals: 'g'.repeat(n) } as object, field: 'goals' })),
    fc.integer({ min: 4001, max: 4100 }).map((n) => ({ changes: { healthInfo: 'h'.repeat(n) }, field: 'healthInfo' })),
    fc.string({ maxLength: 10 }).filter((s) => !['active', 'inactive', 'paused'].includes(s)).map((s) => ({ changes: { membershipStatus: s }, field: 'membershipStatus' })),
    fc.oneof(fc.integer(), fc.boolean()).map((v) => ({ changes: { coachNotes: v }, field: 'coachNotes' })),
    fc.constant({ changes: { goals: 'bad \u0000 byte' }, field: 'goals' }),
    fc.constant({ changes: {}, field: '(input)' }),
  );
  const stored = (v: string | undefined) => (v === undefined ? undefined : v.trim() === '' ? null : v.trim());

  // Feature: coaching-platform, Property 4: Member Profile Update Validation
  it('Property 4: for any valid member profile update the changes are persisted and retrievable immediately; for any invalid update a validation error is returned', async () => {
    const coach = await person(db, 'Coach', { maxMembers: 1000 });
    const member = await person(db, 'Member', { coachId: coach.user.id });
    const memberId = member.user.memberId as string;
    await fc.assert(
      fc.asyncProperty(fc.oneof(validArb.map((changes) => ({ valid: true as const, changes })), invalidArb.map((bad) => ({ valid: false as const, ...bad }))), async (c) => {
        const before = await db.memberProfile.findUniqueOrThrow({ where: { id: memberId } });
        if (c.valid) {
          const updated = await core.members.update(coach.actor, memberId, c.changes);
          const read = await core.members.get(coach.actor, memberId);
          for (const field of ['goals', 'healthInfo', 'coachNotes'] as const) {
            const expected = c.changes[field] === undefined ? before[field] : stored(c.changes[field]);
            expect(updated[field]).toBe(expected);
            expect(read[field]).toBe(expected);
          }
          expect(read.membershipStatus).toBe(c.changes.membershipStatus ?? before.membershipStatus);
        } else {
          const error = await failure(() => core.members.update(coach.actor, memberId, c.changes as never));
          expectFieldError(error, c.field);
          expect(await db.memberProfile.findUniqueOrThrow({ where: { id: memberId } })).toEqual(before);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('lets a member edit their goals and health info but not coach notes or status, and hides coach notes from them', async () => {
    const coach = await person(db, 'Coach');
    const member = await person(db, 'Member', { coachId: coach.user.id });
    const memberId = member.user.memberId as string;
    await core.members.update(coach.actor, memberId, { coachNotes: 'needs motivation' });
    const own = await core.members.update(member.actor, memberId, { goals: 'Run 10k' });
    expect(own.goals).toBe('Run 10k');
    expect(own.coachNotes).toBeNull();
    expect((await core.members.get(member.actor, memberId)).coachNotes).toBeNull();
    expect((await core.members.get(coach.actor, memberId)).coachNotes).toBe('needs motivation');
    const error = await failure(() => core.members.update(member.actor, memberId, { coachNotes: 'I am great' }));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('coach_only_field');
    expect((await failure(() => core.members.update(member.actor, memberId, { membershipStatus: 'paused' }))).code).toBe('coach_only_field');
    const stranger = await person(db, 'Coach');
    expect((await failure(() => core.members.update(stranger.actor, memberId, { goals: 'x' }))).code).toBe('not_your_member');
  });

  it('counts re-activating a member against the coach capacity', async () => {
    const coach = await person(db, 'Coach', { maxMembers: 1 });
    await person(db, 'Member', { coachId: coach.user.id });
    const paused = await person(db, 'Member', { coachId: coach.user.id, membershipStatus: 'paused' });
    const error = await failure(() => core.members.update(admin.actor, paused.user.memberId as string, { membershipStatus: 'active' }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe('coach_full');
  });

  it('moves onboarding through its states for the member themself, their coach and admins', async () => {
    const coach = await person(db, 'Coach');
    const member = await person(db, 'Member', { coachId: coach.user.id });
    const memberId = member.user.memberId as string;
    expect((await core.members.updateOnboardingStatus(member.actor, memberId, 'in_progress')).onboardingStatus).toBe('in_progress');
    expect((await core.members.updateOnboardingStatus(coach.actor, memberId, 'completed')).onboardingStatus).toBe('completed');
    expect((await core.members.updateOnboardingStatus(admin.actor, memberId, 'pending')).onboardingStatus).toBe('pending');
    expectFieldError(await failure(() => core.members.updateOnboardingStatus(admin.actor, memberId, 'done')), 'status');
    const other = await person(db, 'Member');
    expect(await failure(() => core.members.updateOnboardingStatus(other.actor, memberId, 'completed'))).toBeInstanceOf(ForbiddenError);
  });
});

describe('assigning a coach', () => {
  // Feature: coaching-platform, Property 5: Coach Assignment Side Effects
  it('Property 5: for any member assigned to a coach, the member profile holds the coach id and a direct conversation exists between coach and member', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), async (m, c, twice) => {
        const member = members[m] as Person;
        const coach = coaches[c] as Person;
        const assigned = await core.members.assignCoach(admin.actor, member.user.memberId as string, coach.user.id);
        if (twice) await core.members.assignCoach(admin.actor, member.user.memberId as string, coach.user.id);
        expect(assigned.coachId).toBe(coach.user.id);
        const row = await db.memberProfile.findUniqueOrThrow({ where: { id: member.user.memberId } });
        expect(row.coachId).toBe(coach.user.id);
        const key = [coach.user.id, member.user.id].sort().join(':');
        expect(directKey(member.user.id, coach.user.id)).toBe(key);
        const conversations = await db.conversation.findMany({ where: { directKey: key }, include: { participants: true } });
        expect(conversations).toHaveLength(1);
        expect(conversations[0]?.type).toBe('direct');
        expect(conversations[0]?.participants.map((p) => p.userId).sort()).toEqual([coach.user.id, member.user.id].sort());
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 50: Member Assignment Notification
  it('Property 50: for any member assigned to a coach, a notification is sent to the coach', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 2 }), async (m, c) => {
        const member = members[m] as Person;
        const coach = coaches[c] as Person;
        const current = await db.memberProfile.findUniqueOrThrow({ where: { id: member.user.memberId } });
        const notices = () =>
          db.notification.findMany({
            where: { type: 'member.assigned', payload: { path: ['memberId'], equals: member.user.memberId as string } },
          });
        const before = await notices();
        await core.members.assignCoach(admin.actor, member.user.memberId as string, coach.user.id);
        const added = (await notices()).filter((n) => !before.some((b) => b.id === n.id));
        if (current.coachId === coach.user.id) {
          // Re-assigning the same coach changes nothing, so there is nothing to announce.
          expect(added).toHaveLength(0);
        } else {
          expect(added.map((n) => n.userId)).toEqual([coach.user.id]);
          expect(added[0]?.status).toBe('pending');
          expect(added[0]?.payload).toMatchObject({ memberUserId: member.user.id, previousCoachId: current.coachId });
        }
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 8: Coach Capacity Enforcement
  it('Property 8: for any coach with maxMembers N and N active members assigned, assigning another member is rejected with a capacity error', async () => {
    const coach = await person(db, 'Coach');
    const pool = await people(db, 'Member', 9);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }), async (n, notActive) => {
        await db.memberProfile.updateMany({ where: { id: { in: pool.map((p) => p.user.memberId as string) } }, data: { coachId: null, membershipStatus: 'active' } });
        await db.coachProfile.update({ where: { userId: coach.user.id }, data: { maxMembers: n } });
        // Paused and inactive members assigned to the coach do not take a place.
        const idle = pool.slice(0, notActive);
        for (const [i, p] of idle.entries()) {
          await db.memberProfile.update({ where: { id: p.user.memberId }, data: { coachId: coach.user.id, membershipStatus: i % 2 ? 'paused' : 'inactive' } });
        }
        // N-1 places taken directly, the last one through the service, so an off-by-one shows.
        const candidates = pool.slice(notActive);
        const early = candidates.slice(0, n - 1).map((p) => p.user.memberId as string);
        await db.memberProfile.updateMany({ where: { id: { in: early } }, data: { coachId: coach.user.id } });
        const last = candidates[n - 1] as Person;
        expect((await core.members.assignCoach(admin.actor, last.user.memberId as string, coach.user.id)).coachId).toBe(coach.user.id);
        const extra = candidates[n] as Person;
        const error = await failure(() => core.members.assignCoach(admin.actor, extra.user.memberId as string, coach.user.id));
        expect(error).toBeInstanceOf(ConflictError);
        expect(error.code).toBe('coach_full');
        const row = await db.memberProfile.findUniqueOrThrow({ where: { id: extra.user.memberId } });
        expect(row.coachId).toBeNull();
        expect(await db.memberProfile.count({ where: { coachId: coach.user.id, membershipStatus: 'active' } })).toBe(n);
      }),
      { numRuns: 100 },
    );
  });

  it('never overfills a coach when many assignments race', async () => {
    const coach = await person(db, 'Coach', { maxMembers: 3 });
    const racers = await people(db, 'Member', 10);
    const results = await Promise.allSettled(racers.map((r) => core.members.assignCoach(admin.actor, r.user.memberId as string, coach.user.id)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string }] : []));
    expect(won).toHaveLength(3);
    expect(lost.every((e) => e.code === 'coach_full')).toBe(true);
    expect(await db.memberProfile.count({ where: { coachId: coach.user.id } })).toBe(3);
  });

  it('refuses a coach that is not accepting (422), not a coach (422) or unknown (404), and callers without coaches:write', async () => {
    const closed = await person(db, 'Coach', { isAcceptingMembers: false });
    const member = await person(db, 'Member');
    const memberId = member.user.memberId as string;
    const notAccepting = await failure(() => core.members.assignCoach(admin.actor, memberId, closed.user.id));
    expect(notAccepting).toBeInstanceOf(UnprocessableError);
    expect(notAccepting.code).toBe('coach_not_accepting');
    const notCoach = await failure(() => core.members.assignCoach(admin.actor, memberId, admin.user.id));
    expect(notCoach).toBeInstanceOf(UnprocessableError);
    expect(notCoach.code).toBe('not_a_coach');
    expect(await failure(() => core.members.assignCoach(admin.actor, memberId, '00000000-0000-4000-8000-000000000000'))).toBeInstanceOf(NotFoundError);
    const coach = coaches[0] as Person;
    const forbidden = await failure(() => core.members.assignCoach(coach.actor, memberId, coach.user.id));
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    await core.access.grant(admin.actor, { userId: coach.user.id, permission: 'coaches:write' });
    const granted: Actor = await core.access.actorFor(coach.user.id);
    expect((await core.members.assignCoach(granted, memberId, coach.user.id)).coachId).toBe(coach.user.id);
    expect((await db.memberProfile.findUniqueOrThrow({ where: { id: memberId } })).coachId).toBe(coach.user.id);
  });
});

describe('members of a coach and new profiles', () => {
  it("lists a coach's members to that coach and admins only", async () => {
    const coach = await person(db, 'Coach');
    const mine = await people(db, 'Member', 3, { coachId: coach.user.id });
    const page = await core.members.listByCoach(coach.actor, coach.user.id);
    expect(page.items.map((m) => m.id).sort()).toEqual(mine.map((m) => m.user.memberId).sort());
    expect((await core.members.listByCoach(admin.actor, coach.user.id)).items).toHaveLength(3);
    const other = coaches[1] as Person;
    expect((await failure(() => core.members.listByCoach(other.actor, coach.user.id))).code).toBe('not_your_members');
    expect(await failure(() => core.members.listByCoach((mine[0] as Person).actor, coach.user.id))).toBeInstanceOf(ForbiddenError);
  });

  it('creates a profile for a Member account without one, once', async () => {
    const user = await db.user.create({ data: { name: 'Legacy', role: 'Member' } });
    const coach = await person(db, 'Coach');
    const created = await core.members.create(admin.actor, { userId: user.id, coachId: coach.user.id, goals: 'Swim' });
    expect(created).toMatchObject({ userId: user.id, coachId: coach.user.id, goals: 'Swim', onboardingStatus: 'pending', membershipStatus: 'active' });
    expect(await db.conversation.count({ where: { directKey: directKey(user.id, coach.user.id) } })).toBe(1);
    const again = await failure(() => core.members.create(admin.actor, { userId: user.id }));
    expect(again).toBeInstanceOf(ConflictError);
    expect(again.code).toBe('member_profile_exists');
    expect((await failure(() => core.members.create(admin.actor, { userId: coach.user.id }))).code).toBe('not_a_member_account');
    expect(await failure(() => core.members.create(admin.actor, { userId: 'nope' }))).toBeInstanceOf(ValidationError);
  });
});
