import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client.ts';
import { grantRoleDefaults, type Actor, type RoleName } from '../../src/core/access/index.ts';
import { createAccessService } from '../../src/core/access/service.ts';

// Small factories for test data. They write what the users service writes (user, profile and the
// role's default permissions in one transaction) so tests can arrange state in one call.

export interface MadeUser {
  id: string;
  role: RoleName;
  /** Member profile id for members, undefined otherwise. */
  memberId?: string;
  /** Coach profile id for coaches, undefined otherwise. */
  coachProfileId?: string;
}

export interface UserOverrides {
  name?: string;
  email?: string;
  isActive?: boolean;
  timezone?: string;
  coachId?: string | null;
  maxMembers?: number;
  isAcceptingMembers?: boolean;
  coachTimezone?: string;
  membershipStatus?: 'active' | 'inactive' | 'paused';
}

export async function makeUser(db: Db, role: RoleName, o: UserOverrides = {}): Promise<MadeUser> {
  return db.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: {
        name: o.name ?? `${role} ${randomUUID().slice(0, 8)}`,
        email: o.email ?? null,
        role,
        isActive: o.isActive ?? true,
        timezone: o.timezone ?? 'UTC',
      },
    });
    await grantRoleDefaults(tx, user.id, role);
    const made: MadeUser = { id: user.id, role };
    if (role === 'Member') {
      const profile = await tx.memberProfile.create({
        data: { userId: user.id, coachId: o.coachId ?? null, membershipStatus: o.membershipStatus ?? 'active' },
      });
      made.memberId = profile.id;
    }
    if (role === 'Coach') {
      const profile = await tx.coachProfile.create({
        data: {
          userId: user.id,
          maxMembers: o.maxMembers ?? 20,
          isAcceptingMembers: o.isAcceptingMembers ?? true,
          timezone: o.coachTimezone ?? 'UTC',
        },
      });
      made.coachProfileId = profile.id;
    }
    return made;
  });
}

export const makeMember = (db: Db, o?: UserOverrides) => makeUser(db, 'Member', o);
export const makeCoach = (db: Db, o?: UserOverrides) => makeUser(db, 'Coach', o);
export const makeAdmin = (db: Db, o?: UserOverrides) => makeUser(db, 'Admin', o);

/** The actor for a user, loaded the way every channel loads it. */
export function actorOf(db: Db, user: { id: string }): Promise<Actor> {
  return createAccessService(db).actorFor(user.id);
}
