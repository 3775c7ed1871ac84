import { beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/core/index.ts';
import { setupCore } from '../helpers/core.ts';
import { expectFieldError, failure, fingerprint, person, type Person } from './members.fixtures.ts';

// Bad input to any entry point of the users, members, coaches, signup and conversations services is
// a ValidationError naming the field, and nothing is written.

const { db, core } = await setupCore();

let admin: Person;
let coach: Person;
let member: Person;

beforeAll(async () => {
  admin = await person(db, 'Admin');
  coach = await person(db, 'Coach');
  member = await person(db, 'Member', { coachId: coach.user.id });
});

const BAD_ID = 'not-a-uuid';
type Case = [label: string, call: (core: Core) => Promise<unknown>, field: string];

const cases = (): Case[] => {
  const a = admin.actor;
  const memberId = member.user.memberId as string;
  const coachId = coach.user.id;
  const untyped = <T,>(value: unknown) => value as T;
  return [
    ['users.create: missing name', (c) => c.users.create(a, untyped({ role: 'Member' })), 'name'],
    ['users.create: unknown role', (c) => c.users.create(a, untyped({ name: 'X', role: 'Boss' })), 'role'],
    ['users.create: bad email', (c) => c.users.create(a, { name: 'X', role: 'Member', email: 'nope' }), 'email'],
    ['users.create: name too long', (c) => c.users.create(a, { name: 'x'.repeat(101), role: 'Member' }), 'name'],
    ['users.create: unknown time zone', (c) => c.users.create(a, { name: 'X', role: 'Coach', timezone: 'Moon/Base' }), 'timezone'],
    ['users.get: bad uuid', (c) => c.users.get(a, BAD_ID), 'userId'],
    ['users.list: limit out of range', (c) => c.users.list(a, { limit: 0 }), 'limit'],
    ['users.list: unknown role', (c) => c.users.list(a, untyped({ role: 'Boss' })), 'role'],
    ['users.list: bad cursor', (c) => c.users.list(a, { cursor: BAD_ID }), 'cursor'],
    ['users.update: bad uuid', (c) => c.users.update(a, BAD_ID, { name: 'X' }), 'userId'],
    ['users.update: empty name', (c) => c.users.update(a, member.user.id, { name: '   ' }), 'name'],
    ['users.update: isActive not a boolean', (c) => c.users.update(a, member.user.id, untyped({ isActive: 'yes' })), 'isActive'],
    ['users.update: unknown role', (c) => c.users.update(a, member.user.id, untyped({ role: 'Boss' })), 'role'],
    ['users.update: nothing to update', (c) => c.users.update(a, member.user.id, {}), '(input)'],

    ['members.list: limit out of range', (c) => c.members.list(a, { limit: 1000 }), 'limit'],
    ['members.list: bad coachId', (c) => c.members.list(a, { coachId: BAD_ID }), 'coachId'],
    ['members.list: unknown status', (c) => c.members.list(a, untyped({ membershipStatus: 'gone' })), 'membershipStatus'],
    ['members.list: empty search', (c) => c.members.list(a, { search: '' }), 'search'],
    ['members.get: bad uuid', (c) => c.members.get(a, BAD_ID), 'memberId'],
    ['members.getByUser: bad uuid', (c) => c.members.getByUser(a, BAD_ID), 'userId'],
    ['members.create: missing userId', (c) => c.members.create(a, untyped({ goals: 'x' })), 'userId'],
    ['members.create: bad coachId', (c) => c.members.create(a, { userId: member.user.id, coachId: BAD_ID }), 'coachId'],
    ['members.create: goals too long', (c) => c.members.create(a, { userId: member.user.id, goals: 'g'.repeat(2001) }), 'goals'],
    ['members.update: bad uuid', (c) => c.members.update(a, BAD_ID, { goals: 'x' }), 'memberId'],
    ['members.update: unknown status', (c) => c.members.update(a, memberId, untyped({ membershipStatus: 'gone' })), 'membershipStatus'],
    ['members.update: coach notes too long', (c) => c.members.update(a, memberId, { coachNotes: 'n'.repeat(10001) }), 'coachNotes'],
    ['members.assignCoach: bad member uuid', (c) => c.members.assignCoach(a, BAD_ID, coachId), 'memberId'],
    ['members.assignCoach: missing coachId', (c) => c.members.assignCoach(a, memberId, untyped(undefined)), 'coachId'],
    ['members.updateOnboardingStatus: unknown status', (c) => c.members.updateOnboardingStatus(a, memberId, 'done'), 'status'],
    ['members.updateOnboardingStatus: bad uuid', (c) => c.members.updateOnboardingStatus(a, BAD_ID, 'pending'), 'memberId'],
    ['members.listByCoach: bad uuid', (c) => c.members.listByCoach(a, BAD_ID), 'coachId'],
    ['members.listByCoach: limit out of range', (c) => c.members.listByCoach(a, coachId, { limit: 101 }), 'limit'],

    ['coaches.get: bad uuid', (c) => c.coaches.get(a, BAD_ID), 'coachId'],
    ['coaches.listAccepting: limit out of range', (c) => c.coaches.listAccepting({ limit: 101 }), 'limit'],
    ['coaches.listAccepting: bad cursor', (c) => c.coaches.listAccepting({ cursor: BAD_ID }), 'cursor'],
    ['coaches.list: isAcceptingMembers not a boolean', (c) => c.coaches.list(a, untyped({ isAcceptingMembers: 'yes' })), 'isAcceptingMembers'],
    ['coaches.updateProfile: bad uuid', (c) => c.coaches.updateProfile(a, BAD_ID, { bio: 'x' }), 'coachId'],
    ['coaches.updateProfile: maxMembers 0', (c) => c.coaches.updateProfile(a, coachId, { maxMembers: 0 }), 'maxMembers'],
    ['coaches.updateProfile: maxMembers 1001', (c) => c.coaches.updateProfile(a, coachId, { maxMembers: 1001 }), 'maxMembers'],
    ['coaches.updateProfile: maxMembers fractional', (c) => c.coaches.updateProfile(a, coachId, { maxMembers: 2.5 }), 'maxMembers'],
    ['coaches.updateProfile: maxMembers as text', (c) => c.coaches.updateProfile(a, coachId, untyped({ maxMembers: '5' })), 'maxMembers'],
    ['coaches.updateProfile: specialization markup', (c) => c.coaches.updateProfile(a, coachId, { specialization: '<b>Yoga</b>' }), 'specialization'],
    ['coaches.updateProfile: unknown time zone', (c) => c.coaches.updateProfile(a, coachId, { timezone: 'Moon/Base' }), 'timezone'],

    ['signup: missing name', (c) => c.signup.signupMember(untyped({ email: 'a@example.com' })), 'name'],
    ['signup: bad email', (c) => c.signup.signupMember({ name: 'X', email: 'a@' }), 'email'],
    ['signup: bad coachId', (c) => c.signup.signupMember({ name: 'X', coachId: BAD_ID }), 'coachId'],
    ['signup: unknown time zone', (c) => c.signup.signupMember({ name: 'X', timezone: 'Moon/Base' }), 'timezone'],
    ['signup: goals too long', (c) => c.signup.signupMember({ name: 'X', goals: 'g'.repeat(2001) }), 'goals'],
    [
      'signup: chat identity without user id',
      (c) => c.signup.signupMember(untyped({ name: 'X', chatIdentity: { platform: 'slack', scope: 'T1' } })),
      'chatIdentity.platformUserId',
    ],
    [
      'signup: unknown chat platform',
      (c) => c.signup.signupMember(untyped({ name: 'X', chatIdentity: { platform: 'icq', scope: 'T1', platformUserId: 'U1' } })),
      'chatIdentity.platform',
    ],

    ['conversations.list: bad userId', (c) => c.conversations.list(a, { userId: BAD_ID }), 'userId'],
    ['conversations.list: unknown type', (c) => c.conversations.list(a, untyped({ type: 'channel' })), 'type'],
    ['conversations.get: bad uuid', (c) => c.conversations.get(a, BAD_ID), 'conversationId'],
    ['conversations.getDirect: bad uuid', (c) => c.conversations.getDirect(a, member.user.id, BAD_ID), 'otherUserId'],
  ];
};

describe('invalid input to users, members, coaches, signup and conversations', () => {
  it('answers every bad field with a ValidationError naming it, and writes nothing', async () => {
    const list = cases();
    const before = await fingerprint(db);
    for (const [label, call, field] of list) {
      const error = await failure(() => call(core)).catch((e: unknown) => {
        throw new Error(`${label}: ${String(e)}`);
      });
      try {
        expectFieldError(error, field);
      } catch (cause) {
        throw new Error(`${label}: got ${error?.constructor?.name} ${error?.message}`, { cause });
      }
    }
    expect(await fingerprint(db)).toEqual(before);
    expect(list.length).toBeGreaterThan(50);
  });
});
