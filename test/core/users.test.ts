import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, type Actor } from '../../src/core/index.ts';
import { ROLE_DEFAULT_PERMISSIONS } from '../../src/core/access/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { expectFieldError, failure, fingerprint, nextSerial, person } from './members.fixtures.ts';

const { db, core, clock } = await setupCore();
let admin: Actor;

beforeAll(async () => {
  admin = (await person(db, 'Admin')).actor;
});

const nameArb = fc.string({ minLength: 1, maxLength: 100 }).filter((s) => s.trim().length > 0);
const zoneArb = fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe');
const localPartArb = fc
  .array(fc.constantFrom(...'abcxyzABCXYZ0189_+-'), { minLength: 1, maxLength: 12 })
  .map((chars) => chars.join(''));
/** Emails in mixed case, unique per draw; stored lower-cased. */
const emailArb = fc.tuple(localPartArb, fc.constantFrom('example.com', 'Coach.IO', 'mail.Example.org')).map(([local, domain]) => () => `${local}.${nextSerial()}@${domain}`);

async function permissionKeys(userId: string): Promise<string[]> {
  const rows = await db.userPermission.findMany({ where: { userId }, select: { permission: { select: { key: true } } } });
  return rows.map((r) => r.permission.key).sort();
}

describe('creating users', () => {
  // Feature: coaching-platform, Property 1: Member Profile Auto-Creation
  it('Property 1: for any user created with "Member" role, a member profile is created with membershipStatus active, onboardingStatus pending and joinedAt now', async () => {
    await fc.assert(
      fc.asyncProperty(nameArb, fc.option(emailArb, { nil: undefined }), zoneArb, fc.integer({ min: 0, max: 400 * 24 * 3600 }), async (name, email, timezone, secondsLater) => {
        clock.set(TEST_EPOCH.getTime() + secondsLater * 1000);
        const address = email?.();
        const user = await core.users.create(admin, { name, email: address, role: 'Member', timezone });
        const profile = await db.memberProfile.findUnique({ where: { userId: user.id } });
        expect(profile).not.toBeNull();
        expect(user.memberProfile?.id).toBe(profile?.id);
        expect(profile?.membershipStatus).toBe('active');
        expect(profile?.onboardingStatus).toBe('pending');
        expect(profile?.joinedAt.getTime()).toBe(clock.now().getTime());
        expect(profile?.coachId).toBeNull();
        expect(user.coachProfile).toBeNull();
        expect(user).toMatchObject({ role: 'Member', name: name.trim(), timezone, email: address?.toLowerCase() ?? null });
        expect(await permissionKeys(user.id)).toEqual([...ROLE_DEFAULT_PERMISSIONS.Member].sort());
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 6: Coach Profile Auto-Creation
  it('Property 6: for any user created with "Coach" role, a coach profile is created with maxMembers 20 and isAcceptingMembers true', async () => {
    await fc.assert(
      fc.asyncProperty(nameArb, fc.option(emailArb, { nil: undefined }), zoneArb, async (name, email, timezone) => {
        const user = await core.users.create(admin, { name, email: email?.(), role: 'Coach', timezone });
        const profile = await db.coachProfile.findUnique({ where: { userId: user.id } });
        expect(profile).not.toBeNull();
        expect(user.coachProfile?.id).toBe(profile?.id);
        expect(profile?.maxMembers).toBe(20);
        expect(profile?.isAcceptingMembers).toBe(true);
        expect(profile?.timezone).toBe(timezone);
        expect(user.memberProfile).toBeNull();
        expect(await permissionKeys(user.id)).toEqual([...ROLE_DEFAULT_PERMISSIONS.Coach].sort());
      }),
      { numRuns: 100 },
    );
  });

  it('gives an Admin no profile, only the admin permission', async () => {
    const user = await core.users.create(admin, { name: 'Ada', role: 'Admin' });
    expect(user.memberProfile).toBeNull();
    expect(user.coachProfile).toBeNull();
    expect(await permissionKeys(user.id)).toEqual(['admin']);
  });

  it('refuses a taken email, whatever its case, with 409 email_taken and writes nothing', async () => {
    await core.users.create(admin, { name: 'First', email: 'taken@example.com', role: 'Member' });
    const before = await fingerprint(db);
    const error = await failure(() => core.users.create(admin, { name: 'Second', email: ' Taken@Example.COM ', role: 'Coach' }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe('email_taken');
    expect(await fingerprint(db)).toEqual(before);
  });

  it('lets only admins create users', async () => {
    const coach = await person(db, 'Coach');
    const error = await failure(() => core.users.create(coach.actor, { name: 'Sneaky', role: 'Admin' }));
    expect(error).toBeInstanceOf(ForbiddenError);
  });

  it('refuses an unknown time zone or locale naming the field', async () => {
    expectFieldError(await failure(() => core.users.create(admin, { name: 'X', role: 'Member', timezone: 'Mars/Olympus' })), 'timezone');
    expectFieldError(await failure(() => core.users.create(admin, { name: 'X', role: 'Member', locale: 'not a locale' })), 'locale');
    expectFieldError(await failure(() => core.users.create(admin, { name: 'Bad\u0000name', role: 'Member' })), 'name');
  });
});

describe('reading and updating users', () => {
  it('lets people read and edit their own name, time zone and locale, but not their role or active flag', async () => {
    const member = await person(db, 'Member');
    const updated = await core.users.update(member.actor, member.user.id, { name: '  Mia  ', timezone: 'Europe/Berlin', locale: 'de-DE' });
    expect(updated).toMatchObject({ name: 'Mia', timezone: 'Europe/Berlin', locale: 'de-DE' });
    expect((await core.users.get(member.actor, member.user.id)).name).toBe('Mia');
    expect((await failure(() => core.users.update(member.actor, member.user.id, { role: 'Admin' }))).code).toBe('admin_only');
    expect((await failure(() => core.users.update(member.actor, member.user.id, { isActive: false }))).code).toBe('admin_only');
    const other = await person(db, 'Member');
    expect(await failure(() => core.users.get(member.actor, other.user.id))).toBeInstanceOf(ForbiddenError);
    expect(await failure(() => core.users.update(member.actor, other.user.id, { name: 'Nope' }))).toBeInstanceOf(ForbiddenError);
  });

  it('moves default grants and creates the missing profile when an admin changes a role', async () => {
    const user = await person(db, 'Coach');
    await core.access.grant(admin, { userId: user.user.id, permission: 'coaches:write' });
    const member = await core.users.update(admin, user.user.id, { role: 'Member' });
    expect(member.role).toBe('Member');
    expect(member.memberProfile).not.toBeNull();
    // The hand-added grant stays; the Coach defaults a Member lacks are gone.
    expect(await permissionKeys(user.user.id)).toEqual([...ROLE_DEFAULT_PERMISSIONS.Member, 'coaches:write'].sort());
  });

  it('refuses to demote or deactivate a coach while members are assigned or sessions are ahead, with 409 coach_has_members_or_sessions', async () => {
    clock.set(TEST_EPOCH);
    const coach = await person(db, 'Coach');
    const member = await person(db, 'Member', { coachId: coach.user.id });
    const coachZone = (await db.coachProfile.findUniqueOrThrow({ where: { userId: coach.user.id } })).timezone;
    expect(coachZone).toBe('UTC');
    // Wednesday 2030-01-09 09:00Z, inside this window.
    await core.availability.create(admin, { coachId: coach.user.id, dayOfWeek: 3, startTime: '08:00', endTime: '12:00' });
    const session = await core.sessions.create(admin, {
      memberId: member.user.memberId as string,
      coachId: coach.user.id,
      scheduledAt: new Date(TEST_EPOCH.getTime() + 2 * 86_400_000).toISOString(),
      duration: 60,
      type: 'regular',
    });
    const { name } = await db.user.findUniqueOrThrow({ where: { id: coach.user.id } });
    const refusals = async (activeMembers: number, upcomingSessions: number) => {
      for (const change of [{ role: 'Member' }, { role: 'Admin' }, { isActive: false }, { isActive: false, name: 'Gone' }] as const) {
        const error = await failure(() => core.users.update(admin, coach.user.id, change));
        expect(error).toBeInstanceOf(ConflictError);
        expect(error).toMatchObject({ code: 'coach_has_members_or_sessions', status: 409, details: { activeMembers, upcomingSessions } });
      }
      expect(await db.user.findUniqueOrThrow({ where: { id: coach.user.id } })).toMatchObject({ role: 'Coach', isActive: true, name });
    };
    await refusals(1, 1);
    // Other edits of the coach still go through.
    expect((await core.users.update(admin, coach.user.id, { locale: 'fr-FR' })).locale).toBe('fr-FR');
    await db.memberProfile.update({ where: { id: member.user.memberId as string }, data: { coachId: null } });
    await refusals(0, 1);
    await core.sessions.cancel(admin, session.id);
    const deactivated = await core.users.update(admin, coach.user.id, { isActive: false });
    expect(deactivated.isActive).toBe(false);
    expect((await core.users.update(admin, coach.user.id, { role: 'Member' })).role).toBe('Member');
  });

  it('lists users for admins only, paged and filtered', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await core.users.list(admin, { role: 'Coach', limit: 7, cursor });
      seen.push(...page.items.map((u) => u.id));
      expect(page.items.every((u) => u.role === 'Coach')).toBe(true);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const coaches = await db.user.findMany({ where: { role: 'Coach' }, select: { id: true } });
    expect(seen.sort()).toEqual(coaches.map((c) => c.id).sort());
    const member = await person(db, 'Member');
    expect(await failure(() => core.users.list(member.actor))).toBeInstanceOf(ForbiddenError);
  });
});
