import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgPool } from '../../src/db/client.ts';
import { setupCore } from '../helpers/core.ts';
import { makeCoach, makeMember } from '../helpers/factories.ts';
import { advisoryLockWaiters } from '../helpers/locks.ts';
import { FROM_BUILD, ROOT, serviceEnv, startService, portClosed, type ServiceProcess, SPAWNING } from './process.ts';

// SIGTERM, as a supervisor sends it, to exactly the process the documented production command
// starts: requests in flight finish, the port closes, the process exits 0. The request is held in
// flight by a PostgreSQL advisory lock this test holds: a booking waits for its coach's lock.

const { db, core, databaseUrl } = await setupCore();
const coach = await makeCoach(db);
const member = await makeMember(db, { coachId: coach.id });
await db.coachAvailability.createMany({
  data: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ coachId: coach.id, dayOfWeek, startTime: '08:00', endTime: '20:00', maxSessionsPerSlot: 1, bufferMinutes: 0 })),
});
const { token } = await core.tokens.issue({ user: member.id });

const started: ServiceProcess[] = [];
afterAll(async () => {
  for (const s of started) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
  }
}, SPAWNING.timeout);

beforeAll(async () => {
  // The production build, as README says to make it. tsc on a loaded machine is slow: no short bound.
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
}, 900_000);

function start(command: readonly string[]): ServiceProcess {
  // The grace period bounds the whole stop; on a loaded machine the stop alone may take seconds.
  const env = { DATABASE_URL: databaseUrl, MIGRATE_ON_START: 'false', NODE_ENV: 'production', SHUTDOWN_GRACE_SECONDS: '900' };
  const s = startService(command, serviceEnv(env));
  started.push(s);
  return s;
}

/** Three days ahead, at noon UTC: well inside the booking notice and horizon. */
function slotDate(): string {
  return new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
}

async function bookWhileLocked(service: ServiceProcess, requestedTime: string, signal: () => void) {
  const port = await service.ready;
  const lock = await pgPool(db).connect();
  try {
    await lock.query('BEGIN');
    await lock.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`coach:${coach.id}`]);
    const booking = fetch(`http://127.0.0.1:${port}/bookings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ memberId: member.memberId, coachId: coach.id, requestedDate: slotDate(), requestedTime }),
    });
    // The booking has reached the server and waits for the coach's lock.
    await advisoryLockWaiters(pgPool(db));
    signal();
    await service.logged((l) => l.msg === 'shutting down');
    // New connections are refused while the booking is still in flight...
    await portClosed(port);
    await lock.query('COMMIT');
    // ...and the booking then completes.
    const answered = await booking;
    return { status: answered.status, body: (await answered.json()) as { status?: string } };
  } finally {
    lock.release();
  }
}

describe('SIGTERM to the production process', SPAWNING, () => {
  it('node dist/src/main.js: finishes the request in flight, closes the port, exits 0', async () => {
    const service = start(FROM_BUILD);
    const booking = await bookWhileLocked(service, '12:00', () => service.child.kill('SIGTERM'));
    expect(booking).toMatchObject({ status: 201, body: { status: 'confirmed' } });
    expect(await service.exited).toEqual({ code: 0, signal: null });
    await service.logged((l) => l.msg === 'stopped');
  });

  it('a SIGTERM that arrives while the process is still starting stops it at once, exit 0', async () => {
    const service = start(FROM_BUILD);
    await service.logged((l) => /^starting coachbot/.test(l.msg));
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    await service.logged((l) => l.msg === 'shutting down');
    await service.logged((l) => l.msg === 'stopped');
  });

  it('npm run start:prod: npm hands the signal to node, which it execs, with the same result', async () => {
    const service = start(['npm', 'run', 'start:prod']);
    const booking = await bookWhileLocked(service, '14:00', () => service.child.kill('SIGTERM'));
    expect(booking).toMatchObject({ status: 201, body: { status: 'confirmed' } });
    const exit = await service.exited;
    await service.logged((l) => l.msg === 'stopped');
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
