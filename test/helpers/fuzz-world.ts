import type { ChatIdentityInput } from '../../src/core/users/index.ts';
import type { TestContext } from './core.ts';
import { actorOf, makeAdmin, makeCoach, makeMember } from './factories.ts';

// A small world for fuzzing a chat receiver: a coach with weekly hours, a member of theirs with one
// booked session, both linked to chat users of the platform under test, so hostile input from them
// reaches the bot's member and coach screens, not only the stranger's.

export interface FuzzWorld {
  coach: { id: string; platformUserId: string };
  member: { id: string; memberId: string; platformUserId: string };
  sessionId: string;
}

export async function fuzzWorld(
  t: TestContext,
  chat: { platform: ChatIdentityInput['platform']; scope: string; coachUserId: string; memberUserId: string },
): Promise<FuzzWorld> {
  const coach = await makeCoach(t.db, { name: 'Coach Fuzz', coachTimezone: 'UTC' });
  await t.core.availability.create(await actorOf(t.db, coach), { dayOfWeek: 2, startTime: '09:00', endTime: '12:00', bufferMinutes: 0, maxSessionsPerSlot: 2 });
  const member = await makeMember(t.db, { name: 'Member Fuzz', coachId: coach.id });
  const admin = await actorOf(t.db, await makeAdmin(t.db));
  const booking = await t.core.bookings.create(admin, { memberId: member.memberId!, coachId: coach.id, requestedDate: '2030-01-08', requestedTime: '10:00' }, 'fuzz-world');
  if (!booking.sessionId) throw new Error('fuzz world: the booking made no session');
  await t.core.chat.ensureLink(coach.id, { platform: chat.platform, scope: chat.scope, platformUserId: chat.coachUserId });
  await t.core.chat.ensureLink(member.id, { platform: chat.platform, scope: chat.scope, platformUserId: chat.memberUserId });
  return {
    coach: { id: coach.id, platformUserId: chat.coachUserId },
    member: { id: member.id, memberId: member.memberId!, platformUserId: chat.memberUserId },
    sessionId: booking.sessionId,
  };
}
