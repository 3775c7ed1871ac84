import { createAccessService } from '../../src/core/access/service.ts';
import { createBookingsService } from '../../src/core/bookings/index.ts';
import { DEFAULT_CORE_CONFIG, isDomainError, ManualClock } from '../../src/core/index.ts';
import { createDb } from '../../src/db/client.ts';

// One OS process of the overbooking test: its own Prisma client over the shared test database,
// firing all its booking attempts at once, then printing each attempt's outcome as one JSON line.

export interface Attempt {
  userId: string;
  memberId: string;
  key: string;
  time: string;
}

export interface BookerJob {
  databaseUrl: string;
  coachId: string;
  date: string;
  now: number;
  attempts: Attempt[];
}

export interface AttemptOutcome {
  userId: string;
  key: string;
  outcome: string;
  bookingId: string | null;
}

const job = JSON.parse(process.env.BOOKER_JOB ?? '{}') as BookerJob;
const db = createDb(job.databaseUrl, { max: 6 });
const access = createAccessService(db);
const bookings = createBookingsService({ db, clock: new ManualClock(job.now), config: DEFAULT_CORE_CONFIG });

const outcomes = await Promise.all(
  job.attempts.map(async (a): Promise<AttemptOutcome> => {
    const actor = await access.actorFor(a.userId);
    try {
      const b = await bookings.create(actor, { memberId: a.memberId, coachId: job.coachId, requestedDate: job.date, requestedTime: a.time, duration: 60 }, a.key);
      return { userId: a.userId, key: a.key, outcome: b.status, bookingId: b.id };
    } catch (error) {
      const code = isDomainError(error) ? error.code : `unexpected: ${String(error)}`;
      const details = isDomainError(error) ? (error.details as { bookingId?: string } | undefined) : undefined;
      return { userId: a.userId, key: a.key, outcome: code, bookingId: details?.bookingId ?? null };
    }
  }),
);
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
await db.$disconnect();
