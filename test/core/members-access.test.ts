import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, type Actor, type PermissionKey } from '../../src/core/index.ts';
import { grantRoleDefaults, PERMISSIONS } from '../../src/core/access/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { failure, people, person, type Person } from './members.fixtures.ts';

const { db, core } = await setupCore();

let admin: Person;
let coaches: Person[];
let members: Person[];

beforeAll(async () => {
  admin = await person(db, 'Admin');
  coaches = await people(db, 'Coach', 2, { maxMembers: 1000 });
  members = [
    ...(await people(db, 'Member', 3, { coachId: coaches[0]?.user.id })),
    ...(await people(db, 'Member', 2, { coachId: coaches[1]?.user.id })),
  ];
});

/**
 * Gives a user exactly `keys` plus `without`, then revokes `without` through the access service as
 * an admin would, and loads the actor the way every channel does.
 */
async function withPermissions(user: Person, keys: PermissionKey[], without: PermissionKey): Promise<Actor> {
  await db.userPermission.deleteMany({ where: { userId: user.user.id } });
  const rows = await db.permission.findMany({ where: { key: { in: [...keys, without] } }, select: { id: true } });
  await db.userPermission.createMany({ data: rows.map((p) => ({ userId: user.user.id, permissionId: p.id })) });
  await core.access.revoke(admin.actor, { userId: user.user.id, permission: without });
  return core.access.actorFor(user.user.id);
}

/** Any set of permissions that lacks `missing` (and `admin`, which would pass every check). */
const permissionsWithout = (missing: PermissionKey) =>
  fc.subarray(PERMISSIONS.filter((p) => p !== missing && p !== 'admin') as PermissionKey[]);

/** Every entry point of the members and coaches services; a run calls a few of them. */
const ENTRY_POINTS = [
  'members.list',
  'members.get',
  'members.getByUser',
  'members.update',
  'members.assignCoach',
  'members.updateOnboardingStatus',
  'members.listByCoach',
  'members.create',
  'coaches.get',
  'coaches.list',
  'coaches.listAccepting',
  'coaches.updateProfile',
] as const;

describe('permission enforcement', () => {
  // Feature: coaching-platform, Property 52: Permission Enforcement Read
  it('Property 52: for any user without members:read permission attempting to access the member list, the system returns 403 Forbidden', async () => {
    const subjects = [await person(db, 'Member', { coachId: coaches[0]?.user.id }), await person(db, 'Coach')];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1 }), permissionsWithout('members:read'), fc.integer({ min: 1, max: 100 }), async (who, keys, limit) => {
        const subject = subjects[who] as Person;
        const actor = await withPermissions(subject, keys, 'members:read');
        expect(actor.permissions.has('members:read')).toBe(false);
        const error = await failure(() => core.members.list(actor, { limit }));
        expect(error).toBeInstanceOf(ForbiddenError);
        expect(error.code).toBe('missing_permission');
        const target = who === 0 ? subject.user.memberId : members[0]?.user.memberId;
        expect(await failure(() => core.members.get(actor, target as string))).toBeInstanceOf(ForbiddenError);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 53: Permission Enforcement Write
  it('Property 53: for any user without sessions:write permission attempting to create a session, the system returns 403 Forbidden', async () => {
    const coach = coaches[0] as Person;
    const member = members[0] as Person;
    const subjects = [coach, member, await person(db, 'Coach')];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 }),
        permissionsWithout('sessions:write'),
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom(30, 60, 90),
        fc.constantFrom('initial', 'regular', 'followup') as fc.Arbitrary<'initial' | 'regular' | 'followup'>,
        async (who, keys, daysAhead, duration, type) => {
          const actor = await withPermissions(subjects[who] as Person, keys, 'sessions:write');
          const before = await db.session.count();
          const error = await failure(() =>
            core.sessions.create(actor, {
              memberId: member.user.memberId as string,
              coachId: coach.user.id,
              scheduledAt: new Date(TEST_EPOCH.getTime() + daysAhead * 86_400_000),
              duration,
              type,
            }),
          );
          expect(error).toBeInstanceOf(ForbiddenError);
          expect(error.code).toBe('missing_permission');
          expect(await db.session.count()).toBe(before);
        },
      ),
      { numRuns: 100 },
    );
    // Give the shared fixtures their role defaults back.
    for (const p of [coach, member]) {
      await db.userPermission.deleteMany({ where: { userId: p.user.id } });
      await db.$transaction((tx) => grantRoleDefaults(tx, p.user.id, p.user.role));
    }
  });

  // Feature: coaching-platform, Property 54: Admin Full Access
  it('Property 54: for any user with "Admin" role, every members and coaches entry point is accessible without permission errors', async () => {
    // An admin whose user_permissions rows were all revoked still passes: the role is enough.
    const bare = await person(db, 'Admin');
    await db.userPermission.deleteMany({ where: { userId: bare.user.id } });
    const admins = [admin.actor, await core.access.actorFor(bare.user.id)];
    const statusArb = fc.constantFrom('active', 'paused') as fc.Arbitrary<'active' | 'paused'>;
    const onboardingArb = fc.constantFrom('pending', 'in_progress', 'completed');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: members.length - 1 }),
        fc.integer({ min: 0, max: 1 }),
        statusArb,
        onboardingArb,
        fc.string({ maxLength: 30 }),
        fc.subarray([...ENTRY_POINTS], { minLength: 1, maxLength: 4 }),
        async (a, m, c, membershipStatus, onboarding, text, chosen) => {
          const actor = admins[a] as Actor;
          const member = members[m] as Person;
          const coach = coaches[c] as Person;
          const memberId = member.user.memberId as string;
          const calls: [(typeof ENTRY_POINTS)[number], () => Promise<unknown>][] = [
            ['members.list', () => core.members.list(actor, { limit: 3 })],
            ['members.get', () => core.members.get(actor, memberId)],
            ['members.getByUser', () => core.members.getByUser(actor, member.user.id)],
            ['members.update', () => core.members.update(actor, memberId, { goals: text, coachNotes: text, membershipStatus })],
            ['members.assignCoach', () => core.members.assignCoach(actor, memberId, coach.user.id)],
            ['members.updateOnboardingStatus', () => core.members.updateOnboardingStatus(actor, memberId, onboarding)],
            ['members.listByCoach', () => core.members.listByCoach(actor, coach.user.id, { limit: 2 })],
            ['members.create', async () => {
              const user = await db.user.create({ data: { name: 'Profileless', role: 'Member' } });
              return core.members.create(actor, { userId: user.id, goals: text });
            }],
            ['coaches.get', () => core.coaches.get(actor, coach.user.id)],
            ['coaches.list', () => core.coaches.list(actor, { limit: 2 })],
            ['coaches.listAccepting', () => core.coaches.listAccepting({ limit: 2 })],
            ['coaches.updateProfile', () => core.coaches.updateProfile(actor, coach.user.id, { bio: text, maxMembers: 1000 })],
          ];
          expect(calls.map(([name]) => name)).toEqual([...ENTRY_POINTS]);
          for (const [name, call] of calls.filter(([name]) => chosen.includes(name))) {
            const outcome = await call().then(
              () => 'ok',
              (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
            );
            expect(`${name}: ${outcome}`).toBe(`${name}: ok`);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('ownership', () => {
  // Feature: coaching-platform, Property 55: Cross-Member Access Prevention
  it("Property 55: for any member attempting to view another member's profile, the system returns 403 Forbidden", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: members.length - 1 }), fc.integer({ min: 0, max: members.length - 1 }), async (r, t) => {
        const reader = members[r] as Person;
        const target = members[t] as Person;
        if (r === t) {
          expect((await core.members.get(reader.actor, target.user.memberId as string)).id).toBe(target.user.memberId);
          return;
        }
        const error = await failure(() => core.members.get(reader.actor, target.user.memberId as string));
        expect(error).toBeInstanceOf(ForbiddenError);
        expect(error.code).toBe('not_your_profile');
        expect(await failure(() => core.members.getByUser(reader.actor, target.user.id))).toBeInstanceOf(ForbiddenError);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a coach a member who is not theirs, and shows them their own', async () => {
    const coach = await person(db, 'Coach');
    const mine = await person(db, 'Member', { coachId: coach.user.id });
    const theirs = await person(db, 'Member', { coachId: coaches[1]?.user.id });
    expect((await core.members.get(coach.actor, mine.user.memberId as string)).id).toBe(mine.user.memberId);
    const error = await failure(() => core.members.get(coach.actor, theirs.user.memberId as string));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('not_your_member');
  });
});
