import type { Actor } from '../../src/core/index.ts';
import { actorOf, makeUser, type MadeUser } from '../helpers/factories.ts';
import { TEST_EPOCH } from '../helpers/core.ts';
import type { ApiContext } from './harness.ts';

// A small coaching world arranged once per test file: coaches with all-week availability, members
// assigned to them (and some to nobody), sessions between each member and their coach.

export type Person = MadeUser & { token: string };
export type MemberPerson = Person & { memberId: string; coachId: string | null };

export interface World {
  admin: Person;
  adminActor: Actor;
  coaches: Person[];
  members: MemberPerson[];
  sessions: { id: string; memberId: string; coachId: string }[];
}

const HOUR = 3_600_000;

export async function buildWorld(
  api: ApiContext,
  shape: { coaches?: number; membersPerCoach?: number; unassigned?: number; sessionsPerMember?: number } = {},
): Promise<World> {
  const { coaches: coachCount = 3, membersPerCoach = 2, unassigned = 2, sessionsPerMember = 2 } = shape;
  const admin = await api.userWithToken('Admin');
  const adminActor = await actorOf(api.db, admin);
  const coaches: Person[] = [];
  for (let c = 0; c < coachCount; c++) {
    const coach = await api.userWithToken('Coach');
    // Written directly: one statement instead of seven locked creations, for the same rows.
    await api.db.coachAvailability.createMany({
      data: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({
        coachId: coach.id,
        dayOfWeek,
        startTime: '00:00',
        endTime: '24:00',
        maxSessionsPerSlot: 50,
        bufferMinutes: 0,
      })),
    });
    coaches.push(coach);
  }
  const members: MemberPerson[] = [];
  const add = async (coachId: string | null) => {
    const user = await makeUser(api.db, 'Member', { coachId });
    members.push({ ...user, token: await api.tokenFor(user), memberId: user.memberId!, coachId });
  };
  for (const coach of coaches) for (let m = 0; m < membersPerCoach; m++) await add(coach.id);
  for (let u = 0; u < unassigned; u++) await add(null);

  const sessions: World['sessions'] = [];
  let slot = 1;
  for (const member of members) {
    if (!member.coachId) continue;
    for (let s = 0; s < sessionsPerMember; s++) {
      const created = await api.core.sessions.create(adminActor, {
        memberId: member.memberId,
        coachId: member.coachId,
        scheduledAt: new Date(TEST_EPOCH.getTime() + 24 * HOUR + slot++ * HOUR),
        duration: 60,
        type: 'regular',
      });
      sessions.push({ id: created.id, memberId: member.memberId, coachId: member.coachId });
    }
  }
  return { admin, adminActor, coaches, members, sessions };
}
