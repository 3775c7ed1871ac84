import type { Db } from '../../db/client.ts';
import type { Clock } from '../clock.ts';
import { parseInput } from '../validation.ts';
import { createUserInput, insertUser } from '../users/index.ts';
import { writeToken, type IssuedToken } from './service.ts';

// Operator actions, run from the CLI or by the process on its first start. Whoever runs them holds
// the database already, so they take no actor; they are never reachable over HTTP.

export const LOCAL_ADMIN_EMAIL = 'admin@localhost';

export interface OperatorService {
  /**
   * An account of any role, as an admin would create it through the users service. Members and
   * coaches also get a profile, whose id the API names members by (coaches go by their user id).
   */
  createUser(input: unknown): Promise<{ id: string; name: string; email: string | null; role: string; memberProfileId: string | null; coachProfileId: string | null }>;
  /**
   * On a database without any admin, creates the local admin `admin@localhost` and one token for
   * it, so a newcomer can use the API at once; on any later call, returns null. Serialised across
   * processes, so two first starts cannot both create one.
   */
  bootstrapLocalAdmin(): Promise<{ userId: string; token: IssuedToken } | null>;
}

export function createOperatorService(deps: { db: Db; clock: Clock }): OperatorService {
  const { db, clock } = deps;
  return {
    async createUser(raw) {
      const data = parseInput(createUserInput, raw);
      const { user, memberProfile, coachProfile } = await db.$transaction((tx) => insertUser(tx, data, clock.now()));
      return {
        id: user.id,
        name: user.name,
        email: user.email,
        role: user.role,
        memberProfileId: memberProfile?.id ?? null,
        coachProfileId: coachProfile?.id ?? null,
      };
    },

    async bootstrapLocalAdmin() {
      return db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('coachbot:bootstrap-admin', 0))`;
        const anyAdmin = await tx.user.findFirst({ where: { role: 'Admin' }, select: { id: true } });
        if (anyAdmin) return null;
        const now = clock.now();
        // Written directly: `localhost` is not a domain the users service's email check accepts.
        const { user } = await insertUser(tx, { name: 'Local admin', email: LOCAL_ADMIN_EMAIL, role: 'Admin', timezone: 'UTC', locale: 'en' }, now);
        const token = await writeToken(tx, { userId: user.id, name: 'first-start', expiresAt: null, now });
        return { userId: user.id, token };
      });
    },
  };
}
