import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, UnprocessableError } from '../../src/core/index.ts';
import { directKey } from '../../src/core/conversations/index.ts';
import type { SignupInput } from '../../src/core/members/index.ts';
import { setupCore } from '../helpers/core.ts';
import { expectFieldError, failure, fingerprint, nextSerial, person, rowCounts, type Person } from './members.fixtures.ts';

const { db, core, clock } = await setupCore();

let open: Person;
let full: Person[];
let closed: Person;

beforeAll(async () => {
  open = await person(db, 'Coach', { maxMembers: 1000 });
  // Coaches at capacity 1, 2 and 3, each already holding that many active members.
  full = [];
  for (const n of [1, 2, 3]) {
    const coach = await person(db, 'Coach', { maxMembers: n });
    for (let i = 0; i < n; i++) await person(db, 'Member', { coachId: coach.user.id });
    full.push(coach);
  }
  closed = await person(db, 'Coach', { isAcceptingMembers: false });
});

const nameArb = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim().length > 0);
const signupArb = fc.record({
  name: nameArb,
  withEmail: fc.boolean(),
  timezone: fc.option(fc.constantFrom('UTC', 'Europe/Paris', 'America/Sao_Paulo', 'Asia/Tokyo'), { nil: undefined }),
  goals: fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
  chat: fc.option(fc.constantFrom('slack', 'discord', 'telegram', 'web') as fc.Arbitrary<'slack' | 'discord' | 'telegram' | 'web'>, { nil: undefined }),
});

type SignupShape = typeof signupArb extends fc.Arbitrary<infer T> ? T : never;

/** A signup request from the generated shape, unique where it must be (email, chat identity). */
function request(s: SignupShape, coachId?: string): SignupInput {
  const n = nextSerial();
  return {
    name: s.name,
    email: s.withEmail ? `signup.${n}@example.com` : undefined,
    timezone: s.timezone,
    goals: s.goals,
    coachId,
    chatIdentity: s.chat ? { platform: s.chat, scope: 'T0001', platformUserId: `U${n}`, dmChannelId: `D${n}` } : undefined,
  };
}

describe('member signup', () => {
  // Feature: coaching-platform, Property 30: Member Signup Role Assignment
  it('Property 30: for any member completing signup, a user account is created with role "Member"', async () => {
    await fc.assert(
      fc.asyncProperty(signupArb, fc.boolean(), async (s, withCoach) => {
        const { member } = await core.signup.signupMember(request(s, withCoach ? open.user.id : undefined));
        const user = await db.user.findUniqueOrThrow({ where: { id: member.userId } });
        expect(user.role).toBe('Member');
        expect(user.name).toBe(s.name.trim());
        expect(user.timezone).toBe(s.timezone ?? 'UTC');
        if (s.chat) {
          const identities = await db.chatIdentity.findMany({ where: { userId: user.id } });
          expect(identities.map((i) => i.platform)).toEqual([s.chat]);
        }
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 31: Member Signup Profile Creation
  it('Property 31: for any member completing signup, a linked member profile is created', async () => {
    await fc.assert(
      fc.asyncProperty(signupArb, fc.boolean(), async (s, withCoach) => {
        const { member } = await core.signup.signupMember(request(s, withCoach ? open.user.id : undefined));
        const profiles = await db.memberProfile.findMany({ where: { user: { id: member.userId } } });
        expect(profiles.map((p) => p.id)).toEqual([member.id]);
        expect(profiles[0]?.joinedAt.getTime()).toBe(clock.now().getTime());
        expect(profiles[0]?.goals).toBe(s.goals === undefined || s.goals.trim() === '' ? null : s.goals.trim());
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 32: Member Signup Coach Selection
  it('Property 32: for any member selecting an accepting coach under capacity during signup, the member is assigned to that coach', async () => {
    await fc.assert(
      fc.asyncProperty(signupArb, async (s) => {
        const { member, conversationId } = await core.signup.signupMember(request(s, open.user.id));
        expect(member.coachId).toBe(open.user.id);
        expect((await db.memberProfile.findUniqueOrThrow({ where: { id: member.id } })).coachId).toBe(open.user.id);
        const conversation = await db.conversation.findUniqueOrThrow({ where: { directKey: directKey(open.user.id, member.userId) } });
        expect(conversation.id).toBe(conversationId);
        const notices = await db.notification.count({ where: { userId: open.user.id, type: 'member.assigned', payload: { path: ['memberId'], equals: member.id } } });
        expect(notices).toBe(1);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 33: Member Signup Capacity Rejection
  it('Property 33: for any member selecting a coach at maximum capacity during signup, the selection is rejected with a capacity error and nothing is written', async () => {
    await fc.assert(
      fc.asyncProperty(signupArb, fc.integer({ min: 0, max: 2 }), async (s, which) => {
        const coach = full[which] as Person;
        const before = await rowCounts(db);
        const error = await failure(() => core.signup.signupMember(request(s, coach.user.id)));
        expect(error).toBeInstanceOf(ConflictError);
        expect(error.code).toBe('coach_full');
        expect(await rowCounts(db)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 34: Member Signup Optional Coach
  it('Property 34: for any member completing signup without selecting a coach, the member profile has coachId null', async () => {
    await fc.assert(
      fc.asyncProperty(signupArb, fc.boolean(), async (s, explicitNull) => {
        const input = request(s);
        const { member, conversationId } = await core.signup.signupMember(explicitNull ? { ...input, coachId: null } : input);
        expect(member.coachId).toBeNull();
        expect(conversationId).toBeNull();
        expect((await db.memberProfile.findUniqueOrThrow({ where: { id: member.id } })).coachId).toBeNull();
        expect(await db.conversationParticipant.count({ where: { userId: member.userId } })).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 35: Member Signup Onboarding Status
  it('Property 35: for any member completing signup, the member profile has onboardingStatus "pending"', async () => {
    await fc.assert(
      fc.asyncProperty(signupArb, fc.boolean(), async (s, withCoach) => {
        const { member } = await core.signup.signupMember(request(s, withCoach ? open.user.id : undefined));
        expect(member.onboardingStatus).toBe('pending');
        expect((await db.memberProfile.findUniqueOrThrow({ where: { id: member.id } })).onboardingStatus).toBe('pending');
      }),
      { numRuns: 100 },
    );
  });

  it('rejects a coach that is not accepting members with 422 and writes nothing', async () => {
    const before = await fingerprint(db);
    const error = await failure(() => core.signup.signupMember({ name: 'Nora', coachId: closed.user.id }));
    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error.code).toBe('coach_not_accepting');
    expect(await fingerprint(db)).toEqual(before);
  });

  it('answers an already linked chat identity with 409 already_signed_up and writes nothing', async () => {
    const chatIdentity = { platform: 'telegram' as const, scope: 'bot1', platformUserId: '4242' };
    await core.signup.signupMember({ name: 'Tess', chatIdentity });
    const before = await fingerprint(db);
    const error = await failure(() => core.signup.signupMember({ name: 'Tess again', coachId: open.user.id, chatIdentity }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe('already_signed_up');
    expect(await fingerprint(db)).toEqual(before);
    // The same platform user id in another workspace is another person.
    await core.signup.signupMember({ name: 'Tess elsewhere', chatIdentity: { ...chatIdentity, scope: 'bot2' } });
  });

  it('answers a taken email with 409 email_taken and an unknown coach with 404, writing nothing', async () => {
    await core.signup.signupMember({ name: 'Eve', email: 'eve@example.com' });
    const before = await fingerprint(db);
    expect((await failure(() => core.signup.signupMember({ name: 'Eve 2', email: 'EVE@example.com' }))).code).toBe('email_taken');
    expect((await failure(() => core.signup.signupMember({ name: 'Ann', coachId: '00000000-0000-4000-8000-000000000000' }))).code).toBe('coach_not_found');
    expectFieldError(await failure(() => core.signup.signupMember({ name: 'Bob', chatIdentity: { platform: 'icq', scope: 'x', platformUserId: '1' } as never })), 'chatIdentity.platform');
    expect(await fingerprint(db)).toEqual(before);
  });

  it('lets concurrent signups fill a coach exactly to capacity', async () => {
    const coach = await person(db, 'Coach', { maxMembers: 2 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => core.signup.signupMember({ name: `Racer ${i}`, coachId: coach.user.id })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(await db.memberProfile.count({ where: { coachId: coach.user.id } })).toBe(2);
    expect(await db.user.count({ where: { name: { startsWith: 'Racer ' } } })).toBe(2);
  });
});
