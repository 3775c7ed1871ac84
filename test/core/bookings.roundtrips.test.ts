import { describe, expect, it } from 'vitest';
import { createBookingsService } from '../../src/core/bookings/index.ts';
import { DEFAULT_CORE_CONFIG } from '../../src/core/index.ts';
import { createDb } from '../../src/db/client.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { countStatements } from '../helpers/statements.ts';
import { coachWorld, key, resetCoach } from './bookings.fixtures.ts';

// A booking's round trips are what its coach's other bookings queue behind: the unlocked read, then
// one query that writes, takes the coach lock, has PostgreSQL re-check the slot and commits. No
// round trip to the application happens while the lock is held.

const { db, clock, databaseUrl } = await setupCore();

describe('a booking on a free slot', () => {
  it('takes two statements: the unlocked read, then the write, the lock, the re-check and the commit as one', async () => {
    clock.set(TEST_EPOCH);
    const w = await coachWorld(db, { members: 3, timezone: 'Europe/Berlin' });
    await resetCoach(db, w.coach.user.id, [{ dayOfWeek: 2, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: 3, bufferMinutes: 15 }]);
    const counted = createDb(databaseUrl, { max: 1 });
    const statements = countStatements(counted);
    try {
      const bookings = createBookingsService({ db: counted, clock, config: DEFAULT_CORE_CONFIG });
      const book = (i: number) => {
        const m = w.members[i]!;
        return bookings.create(m.actor, { memberId: m.user.memberId!, coachId: w.coach.user.id, requestedDate: '2030-01-08', requestedTime: '10:00' }, key());
      };
      // The first booking of a connection also prepares its statements.
      expect((await book(0)).status).toBe('confirmed');
      statements.reset();
      expect((await book(1)).status).toBe('confirmed');
      expect(statements.count()).toBe(2);
      expect(await db.session.count({ where: { coachId: w.coach.user.id, status: 'scheduled' } })).toBe(2);
    } finally {
      await counted.$disconnect();
    }
  });
});
