import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError } from '../../src/core/index.ts';
import { queryCoaches } from '../../src/core/coaches/index.ts';
import { insertSession } from '../../src/core/sessions/records.ts';
import { Prisma } from '../../src/db/client.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { allPages } from '../helpers/pages.ts';
import { makeCoach } from '../helpers/factories.ts';
import { expectFieldError, failure, people, person, type Person } from './members.fixtures.ts';

const { db, core } = await setupCore();

let admin: Person;
beforeAll(async () => {
  admin = await person(db, 'Admin');
});


describe('coach profile validation', () => {
  /** The documented rule, restated independently of the implementation's regular expression. */
  const ALLOWED = new Set([...' .,\'&()/+-:;']);
  function validSpecialization(raw: string): boolean {
    const s = raw.trim();
    if (s.length < 1 || s.length > 100) return false;
    return [...s].every((ch) => /\p{L}|\p{M}|\p{N}/u.test(ch) || ALLOWED.has(ch)) && /\p{L}/u.test(s);
  }
  const specializationArb = fc.oneof(
    fc.constantFrom('Strength & Conditioning', 'Pre/post-natal (level 2)', 'Nutrition; sleep: recovery', "Coach's corner", 'Yoga', 'Ernährung', '  padded  '),
    fc.string({ maxLength: 110 }),
    fc.string({ unit: fc.constantFrom(...'ab c1é-&<>!\u0000\n'), maxLength: 12 }),
    fc.integer({ min: 95, max: 105 }).map((n) => 'a'.repeat(n)),
  );
  const maxMembersArb = fc.oneof(fc.integer({ min: -5, max: 1005 }), fc.constantFrom(1, 1000, 1001, 0, 2.5, Number.NaN));

  // Feature: coaching-platform, Property 7: Coach Profile Validation
  it('Property 7: for any coach profile update, specialization format and capacity (maxMembers > 0) are validated and invalid updates rejected', async () => {
    const coach = await person(db, 'Coach');
    await fc.assert(
      fc.asyncProperty(fc.option(specializationArb, { nil: undefined }), fc.option(maxMembersArb, { nil: undefined }), async (specialization, maxMembers) => {
        fc.pre(specialization !== undefined || maxMembers !== undefined);
        const before = await db.coachProfile.findUniqueOrThrow({ where: { userId: coach.user.id } });
        const specOk = specialization === undefined || validSpecialization(specialization);
        const maxOk = maxMembers === undefined || (Number.isInteger(maxMembers) && maxMembers > 0 && maxMembers <= 1000);
        const call = () => core.coaches.updateProfile(coach.actor, coach.user.id, { specialization, maxMembers });
        if (specOk && maxOk) {
          const updated = await call();
          expect(updated.specialization).toBe(specialization === undefined ? before.specialization : specialization.trim());
          expect(updated.maxMembers).toBe(maxMembers ?? before.maxMembers);
          return;
        }
        const error = await failure(call);
        if (!specOk) expectFieldError(error, 'specialization');
        if (!maxOk) expectFieldError(error, 'maxMembers');
        expect(await db.coachProfile.findUniqueOrThrow({ where: { userId: coach.user.id } })).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('lets coaches edit only their own profile, and admins any', async () => {
    const [a, b] = await people(db, 'Coach', 2) as [Person, Person];
    expect((await failure(() => core.coaches.updateProfile(a.actor, b.user.id, { bio: 'hi' }))).code).toBe('not_your_profile');
    const member = await person(db, 'Member');
    expect(await failure(() => core.coaches.updateProfile(member.actor, a.user.id, { bio: 'hi' }))).toBeInstanceOf(ForbiddenError);
    const updated = await core.coaches.updateProfile(admin.actor, b.user.id, { bio: ' Former athlete ', timezone: 'Europe/Madrid', isAcceptingMembers: false });
    expect(updated).toMatchObject({ bio: 'Former athlete', timezone: 'Europe/Madrid', isAcceptingMembers: false });
    expectFieldError(await failure(() => core.coaches.updateProfile(a.actor, a.user.id, { timezone: 'Nowhere/Land' })), 'timezone');
    expectFieldError(await failure(() => core.coaches.updateProfile(a.actor, a.user.id, { bio: 'x'.repeat(2001) })), 'bio');
    expect(await failure(() => core.coaches.updateProfile(admin.actor, member.user.id, { bio: 'x' }))).toBeInstanceOf(NotFoundError);
  });
});

describe('coach listings and figures', () => {
  // Feature: coaching-platform, Property 9: Coach Acceptance Filtering
  it('Property 9: for any query for available coaches during signup, only coaches with isAcceptingMembers=true are returned', async () => {
    const pool = await people(db, 'Coach', 6);
    for (const c of pool) await person(db, 'Member', { coachId: c.user.id });
    const flagsArb = fc.array(fc.record({ accepting: fc.boolean(), active: fc.boolean(), full: fc.boolean() }), { minLength: 6, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(flagsArb, fc.integer({ min: 1, max: 4 }), async (flags, limit) => {
        // A full coach (maxMembers 1 with its one member) stays listed, flagged as full.
        const rows = pool.map((c, i) => ({ id: c.user.id, ...flags[i] }));
        const json = JSON.stringify(rows);
        await db.$executeRaw`
          UPDATE "users" u SET "isActive" = v."active"
          FROM jsonb_to_recordset(${json}::jsonb) AS v("id" text, "active" boolean) WHERE u."id" = v."id"`;
        await db.$executeRaw`
          UPDATE "coach_profiles" cp SET "isAcceptingMembers" = v."accepting", "maxMembers" = CASE WHEN v."full" THEN 1 ELSE 20 END
          FROM jsonb_to_recordset(${json}::jsonb) AS v("id" text, "accepting" boolean, "full" boolean) WHERE cp."userId" = v."id"`;
        const listed = await allPages((cursor) => core.coaches.listAccepting({ limit, cursor }));
        expect(listed.every((c) => c.isAcceptingMembers)).toBe(true);
        const expected = await db.coachProfile.findMany({ where: { isAcceptingMembers: true, user: { isActive: true, role: 'Coach' } }, select: { userId: true } });
        expect(listed.map((c) => c.id).sort()).toEqual(expected.map((c) => c.userId).sort());
        for (const c of listed) expect(c.hasCapacity).toBe(c.currentMemberCount < c.maxMembers);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 10: Coach Profile Member Count
  it('Property 10: for any coach profile retrieved, currentMemberCount equals the count of active members assigned to that coach', async () => {
    const [coach, other] = (await people(db, 'Coach', 2)) as [Person, Person];
    const pool = await people(db, 'Member', 7);
    const statusArb = fc.constantFrom('active', 'inactive', 'paused') as fc.Arbitrary<'active' | 'inactive' | 'paused'>;
    const stateArb = fc.array(fc.record({ to: fc.integer({ min: 0, max: 2 }), status: statusArb }), { minLength: 7, maxLength: 7 });
    await fc.assert(
      fc.asyncProperty(stateArb, async (state) => {
        await Promise.all(
          pool.map((m, i) =>
            db.memberProfile.update({
              where: { id: m.user.memberId },
              data: { coachId: [coach.user.id, other.user.id, null][state[i]?.to ?? 2], membershipStatus: state[i]?.status },
            }),
          ),
        );
        const viewer = [admin, coach, pool[0] as Person][state.length % 3] as Person;
        const profile = await core.coaches.get(viewer.actor, coach.user.id);
        const expected = state.filter((s) => s.to === 0 && s.status === 'active').length;
        expect(profile.currentMemberCount).toBe(expected);
        expect(profile.hasCapacity).toBe(expected < profile.maxMembers);
      }),
      { numRuns: 100 },
    );
  });

  it('averages the ratings of completed sessions only, null before the first', async () => {
    const coach = await person(db, 'Coach');
    const member = await person(db, 'Member', { coachId: coach.user.id });
    expect((await core.coaches.get(admin.actor, coach.user.id)).averageRating).toBeNull();
    const specs = [
      { status: 'completed', rating: 5 },
      { status: 'completed', rating: 2 },
      { status: 'completed', rating: null },
      { status: 'cancelled', rating: 1 },
    ] as const;
    for (const [i, spec] of specs.entries()) {
      await db.$transaction(async (tx) => {
        const { session } = await insertSession(tx, {
          memberProfileId: member.user.memberId as string,
          memberUserId: member.user.id,
          coachUserId: coach.user.id,
          scheduledAt: new Date(TEST_EPOCH.getTime() - (i + 1) * 86_400_000),
          duration: 60,
          type: 'regular',
          notify: 'session.created',
        }, TEST_EPOCH);
        await tx.session.update({ where: { id: session.id }, data: { status: spec.status, rating: spec.rating } });
      });
    }
    const profile = await core.coaches.get(member.actor, coach.user.id);
    expect(profile.averageRating).toBeCloseTo(3.5, 10);
    expect(profile.ratingCount).toBe(2);
  });

  it('hides deactivated coaches from everyone but admins, and lists all coaches to admins only', async () => {
    const coach = { user: await makeCoach(db, { isActive: false, name: 'Dormant Dana' }) };
    const member = await person(db, 'Member');
    expect(await failure(() => core.coaches.get(member.actor, coach.user.id))).toBeInstanceOf(NotFoundError);
    expect((await core.coaches.get(admin.actor, coach.user.id)).isActive).toBe(false);
    const found = await core.coaches.list(admin.actor, { search: 'dormant' });
    expect(found.items.map((c) => c.id)).toEqual([coach.user.id]);
    expect(await failure(() => core.coaches.list(member.actor))).toBeInstanceOf(ForbiddenError);
  });
});

describe('changing a coach\'s time zone', () => {
  it('refuses a zone that puts upcoming sessions outside the windows, and otherwise moves the bookings\' local times with it', async () => {
    const coach = await person(db, 'Coach');
    const member = await person(db, 'Member', { coachId: coach.user.id });
    const coachId = coach.user.id;
    // Tuesday 08:00-14:00 in the coach's zone (UTC to begin with), two seats.
    await core.availability.create(coach.actor, { dayOfWeek: 2, startTime: '08:00', endTime: '14:00', maxSessionsPerSlot: 2 });
    const booking = await core.bookings.create(
      member.actor,
      { memberId: member.user.memberId as string, coachId, requestedDate: '2030-01-08', requestedTime: '09:00', duration: 60 },
      randomUUID(),
    );
    // A session made directly, without a booking row.
    const direct = await core.sessions.create(coach.actor, {
      memberId: member.user.memberId as string,
      coachId,
      scheduledAt: '2030-01-08T11:00:00.000Z',
      duration: 60,
      type: 'regular',
    });

    // New York is UTC-5 in January: 04:00 and 06:00 local, before the window opens.
    const refused = await failure(() => core.coaches.updateProfile(coach.actor, coachId, { timezone: 'America/New_York', bio: 'moved' }));
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ code: 'timezone_strands_sessions', status: 409 });
    const details = refused.details as { sessionIds: string[]; bookingIds: string[] };
    expect(details.sessionIds.sort()).toEqual([booking.sessionId as string, direct.id].sort());
    expect(details.bookingIds).toEqual([booking.id]);
    expect(await db.coachProfile.findUniqueOrThrow({ where: { userId: coachId } })).toMatchObject({ timezone: 'UTC', bio: null });

    // Berlin is UTC+1: 10:00 and 12:00 local, still on the window's hourly grid.
    expect(await core.coaches.updateProfile(coach.actor, coachId, { timezone: 'Europe/Berlin' })).toMatchObject({ timezone: 'Europe/Berlin' });
    const moved = await db.sessionBooking.findUniqueOrThrow({ where: { id: booking.id } });
    expect(moved.requestedDate.toISOString().slice(0, 10)).toBe('2030-01-08');
    expect(moved.requestedTime).toBe('10:00');
    expect(moved.slotStartsAt.toISOString()).toBe('2030-01-08T09:00:00.000Z');

    // With no upcoming sessions left, any zone goes.
    await core.sessions.cancel(coach.actor, direct.id);
    await core.bookings.cancel(admin.actor, booking.id);
    expect(await core.coaches.updateProfile(coach.actor, coachId, { timezone: 'America/New_York' })).toMatchObject({ timezone: 'America/New_York' });
  });
});

describe("a coach's email", () => {
  it('is shown to an admin and the coach themself only; the public listing leaves it out', async () => {
    const email = `coach.${randomUUID()}@example.com`;
    const coach = await person(db, 'Coach', { email });
    const otherCoach = await person(db, 'Coach');
    const member = await person(db, 'Member');
    const seenBy = async (viewer?: Person) => (await queryCoaches(db, Prisma.sql`u."id" = ${coach.user.id}`, { limit: 1 }, viewer?.actor))[0]!;
    expect((await seenBy(admin)).email).toBe(email);
    expect((await seenBy(coach)).email).toBe(email);
    expect(await seenBy(member)).not.toHaveProperty('email');
    expect(await seenBy(otherCoach)).not.toHaveProperty('email');
    expect(await seenBy()).not.toHaveProperty('email');
    const listed = await core.coaches.listAccepting({ limit: 100 });
    expect(listed.items.length).toBeGreaterThan(0);
    for (const c of listed.items) expect(c).not.toHaveProperty('email');
    expect(await core.coaches.get(member.actor, coach.user.id)).not.toHaveProperty('email');
  });
});
