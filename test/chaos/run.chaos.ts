import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, isDatabaseUnavailable, type Db } from '../../src/db/client.ts';
import { ensureDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.ts';
import { checkInvariants, sentPerChat, type Invariants } from './checker.ts';
import { ApiClient } from './client.ts';
import { startMember, type FleetSettings, type Member, type RoleName } from './fleet.ts';
import { startGate, type Gate } from './gate.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { startPostgres, startRedis, type Postgres, type RedisProcess } from './services.ts';
import { TelegramMember } from './telegram-member.ts';
import { makeWorld, REMINDER_OFFSETS, SEATS, type Person, type World } from './world.ts';

// The service in its production shape (2 × api, 2 × bot, 2 × worker, one PostgreSQL, one Redis)
// under a bounded load of members booking, cancelling and rescheduling through the admin API and
// Telegram, while PostgreSQL restarts, Redis restarts empty and a worker is killed mid-send.
// Afterwards the database and the fake Telegram say: nothing overbooked, nothing lost, nothing twice.

const COACHES = 4;
const API_MEMBERS_PER_COACH = 6;
const CHAT_COACHES = 2;
const CHAT_MEMBERS = 4;
/**
 * Operations per API member: at least MIN, and on until the chaos is over (its steps need sends in
 * flight, so the load lasts as long as they do); MAX bounds it whatever happens.
 */
const MIN_OPS = 8;
const MAX_OPS = 200;

let postgres: Postgres;
let redis: RedisProcess;
let db: Db;
let fake: FakeTelegram;
let gates: Gate[];
/** Between api-1 and PostgreSQL, to stop api-1 in the middle of a commit. */
let proxy: TcpProxy;
let settings: FleetSettings;
const fleet: Member[] = [];
/** The step the run is at, for the report of a run that fails or hangs (also appended to CHAOS_TRACE, a file, as it goes). */
let phase = 'starting';
function enter(step: string): void {
  phase = step;
  if (process.env.CHAOS_TRACE) appendFileSync(process.env.CHAOS_TRACE, `${new Date().toISOString()} ${step}\n`);
}
const counts = {
  attempts: 0,
  confirmed: 0,
  rejected: 0,
  rejectedBy: {} as Record<string, number>,
  cancelled: 0,
  rescheduled: 0,
  rescheduleRefused: 0,
  chatBookings: 0,
  notificationsDelivered: 0,
  remindersDelivered: 0,
  duplicates: 0,
  lost: 0,
  retries: 0,
  serverErrors: 0,
};

const alive = (role: RoleName) => fleet.filter((m) => m.role === role && m.process.child.exitCode === null && m.process.child.signalCode === null);
const api = new ApiClient(() => alive('api').map((m) => m.port));

/** A small deterministic generator, so a failing run can be replayed with its seed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const rand = random(seed);

beforeAll(async () => {
  [postgres, redis, fake] = await Promise.all([startPostgres(), startRedis(), startFakeTelegram()]);
  const databaseUrl = postgres.url('coachbot');
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  // The run's own connections hold coaches' locks as long as a case needs: no timeouts of theirs.
  db = createDb(databaseUrl, { max: 4, timeouts: { lockTimeoutMs: 0, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 } });
  gates = [await startGate(fake.apiRoot), await startGate(fake.apiRoot)];
  proxy = await startTcpProxy({ host: '127.0.0.1', port: postgres.port });
  settings = {
    databaseUrl,
    redisUrl: redis.url,
    env: {
      LOG_LEVEL: 'info',
      BOOKING_MIN_NOTICE_MINUTES: '0',
      REMINDER_OFFSETS: REMINDER_OFFSETS.join(','),
      JOBS_TICK_MS: '1000',
      JOBS_RELAY_MS: '200',
      JOBS_RECONCILE_MS: '5000',
      DELIVERY_LEASE_MS: '15000',
      DELIVERY_BACKOFF_MS: '200',
      DELIVERY_ATTEMPTS: '50',
      DB_LOCK_TIMEOUT_MS: '3000',
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '600000',
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      SHUTDOWN_GRACE_SECONDS: '30',
    },
  };
  // All six at once: their migrations on start race under the advisory lock, as a rollout's would.
  fleet.push(
    ...(await Promise.all([
      startMember('api-1', 'api', settings, fake.apiRoot, `postgresql://postgres@${proxy.address}/coachbot`),
      startMember('api-2', 'api', settings, fake.apiRoot),
      startMember('bot-1', 'bot', settings, fake.apiRoot),
      startMember('bot-2', 'bot', settings, fake.apiRoot),
      startMember('worker-1', 'worker', settings, gates[0]!.apiRoot),
      startMember('worker-2', 'worker', settings, gates[1]!.apiRoot),
    ])),
  );
}, 900_000);

afterAll(async () => {
  const s = api.stats;
  counts.retries = s.retries;
  counts.serverErrors = s.serverErrors.length;
  console.warn(`chaos seed=${seed} counts=${JSON.stringify(counts)} phase=${JSON.stringify(phase)}`);
  if (s.lastRetryReason) console.warn(`last retry: ${s.lastRetryReason}`);
  if (s.serverErrors.length) console.warn(`server errors: ${JSON.stringify(s.serverErrors.slice(0, 5))}`);
  for (const m of fleet) {
    const { exitCode, signalCode } = m.process.child;
    if ((exitCode !== null || signalCode !== null) && m.name !== 'worker-1') console.warn(`${m.name} exited (${exitCode ?? signalCode}): ${m.process.stderr().slice(-2000)}`);
    const problems = m.process.stdout().split('\n').filter((l) => /"level":(50|60)/.test(l));
    if (problems.length) console.warn(`${m.name} logged ${problems.length} errors, first: ${problems.slice(0, 3).join('\n')}`);
  }
  await Promise.all(fleet.map(async (m) => {
    if (m.process.child.exitCode !== null || m.process.child.signalCode !== null) return;
    m.process.child.kill('SIGCONT');
    m.process.child.kill('SIGTERM');
    await m.process.exited;
  }));
  await db?.$disconnect();
  await Promise.all(gates?.map((g) => g.shutdown()) ?? []);
  await proxy?.close();
  await fake?.close();
  await redis?.stop();
  await postgres?.destroy();
}, 300_000);

const codeOf = (body: Record<string, unknown>) => String(body.error ?? 'unknown');

interface Holding {
  bookingId: string;
  sessionId: string;
  slot: number;
}

/** Books `slot` for an API member; answers what it holds, or null when the booking was refused (409). */
async function book(p: Person, world: World, slot: number): Promise<Holding | null> {
  counts.attempts++;
  const res = await api.send(p.token!, 'POST', '/bookings', { memberId: p.memberId, coachId: p.coachId, startsAt: world.slots[slot]!.toISOString(), duration: 5 }, { 'idempotency-key': randomUUID() });
  if (res.status === 201) {
    counts.confirmed++;
    return { bookingId: String(res.body.id), sessionId: String(res.body.sessionId), slot };
  }
  expect(res.status, JSON.stringify(res.body)).toBe(409);
  counts.rejected++;
  counts.rejectedBy[codeOf(res.body)] = (counts.rejectedBy[codeOf(res.body)] ?? 0) + 1;
  return null;
}

/**
 * The contention the run asserts on, whatever the seed: every API member of the first coach books
 * that coach's first slot at once, more members than it has seats. Exactly SEATS win; the others
 * are refused. Answers each member's holding, to carry into the random load.
 */
async function contendForOneSlot(world: World): Promise<Map<Person, Holding | null>> {
  const contenders = world.apiMembers.filter((p) => p.coachId === world.coaches[0]!.coachId);
  expect(contenders.length).toBeGreaterThan(SEATS);
  const held = await Promise.all(contenders.map((p) => book(p, world, 0)));
  expect(held.filter(Boolean)).toHaveLength(SEATS);
  return new Map(contenders.map((p, i) => [p, held[i]!]));
}

/** One API member's bounded load: book when holding nothing, else cancel or move what it holds. */
async function apiMemberLoad(p: Person, world: World, chaosDone: () => boolean, onOp: () => void, held: Holding | null = null): Promise<void> {
  let holding = held;
  const pickSlot = () => (rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 3));
  for (let op = 0; op < MAX_OPS && (op < MIN_OPS || !chaosDone()); op++, onOp()) {
    if (!holding) {
      holding = await book(p, world, pickSlot());
    } else if (rand() < 0.5) {
      const res = await api.send(p.token!, 'DELETE', `/bookings/${holding.bookingId}`);
      // A retry of a cancel that went through the first time finds it cancelled: the same outcome.
      const state = res.status === 200 ? res.body : (await api.send(p.token!, 'GET', `/bookings/${holding.bookingId}`)).body;
      expect(state.status, JSON.stringify(res.body)).toBe('cancelled');
      counts.cancelled++;
      holding = null;
    } else {
      const slot = (holding.slot + 1 + Math.floor(rand() * 3)) % 4;
      const to = world.slots[slot]!.toISOString();
      const res = await api.send(p.token!, 'PATCH', `/sessions/${holding.sessionId}/reschedule`, { scheduledAt: to });
      const state = res.status === 200 ? res.body : (await api.send(p.token!, 'GET', `/sessions/${holding.sessionId}`)).body;
      if (new Date(String(state.scheduledAt)).toISOString() === to) {
        counts.rescheduled++;
        holding.slot = slot;
      } else {
        expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
        counts.rescheduleRefused++;
      }
    }
  }
}

/** A member who books the first slot with a free seat from Telegram: Book → today → time → Confirm. */
async function chatMemberBooks(p: Person, world: World): Promise<void> {
  const member = new TelegramMember(fake, () => alive('bot').map((m) => m.webhookPort!), p.chatId);
  const today = DateTime.fromJSDate(world.slots[0]!).setZone(world.zone).toFormat('ccc d LLL');
  await member.say('/book', new RegExp(today));
  // Today's hour-long slots: each chat coach has SEATS seats in each, more than its chatters.
  await member.tap(new RegExp(today), /^\d\d:\d\d/);
  await member.tap(/^\d\d:\d\d/, /Confirm booking/);
  await member.tap(/Confirm booking/, /Booked/);
  counts.chatBookings++;
}

/** A look that failed because PostgreSQL is restarting counts as "not yet"; any other failure is the test's. */
function notYetIfUnreachable(error: unknown): false {
  if (isDatabaseUnavailable(error)) return false;
  throw error;
}

/**
 * Resolves once `ready` holds, asking again between looks (a look that fails, e.g. while PostgreSQL
 * restarts, counts as not yet); false if it still does not after `withinMs`, a bound on a wait
 * for the jobs to finish, not a measure of their speed.
 */
async function eventually(ready: () => Promise<boolean>, withinMs = Number.POSITIVE_INFINITY): Promise<boolean> {
  const until = Date.now() + withinMs;
  for (;;) {
    if (await ready().catch(notYetIfUnreachable)) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Notifications the database marks sent to a Telegram chat. */
async function sentTotal(): Promise<number> {
  return [...(await sentPerChat(db)).values()].reduce((a, b) => a + b, 0);
}

describe('chaos: 2 × api, 2 × bot, 2 × worker', () => {
  it('under load, through a worker killed mid-send, a PostgreSQL restart and a Redis restart: nothing overbooked, lost or sent twice', async () => {
    const scope = String(fake.botId);
    const world = await makeWorld(db, scope, { coaches: COACHES, apiMembersPerCoach: API_MEMBERS_PER_COACH, chatCoaches: CHAT_COACHES, chatMembers: CHAT_MEMBERS });
    let done = 0;
    let chaosDone = false;
    const opsReached = (n: number) => new Promise<void>((resolve) => {
      const check = () => (done >= n ? resolve() : waiting.add(check));
      check();
    });
    const waiting = new Set<() => void>();
    const onOp = () => {
      done++;
      for (const w of [...waiting]) {
        waiting.delete(w);
        w();
      }
    };

    enter('contend for one slot');
    const contended = await contendForOneSlot(world);
    const load = Promise.all([
      ...world.apiMembers.map((p) => apiMemberLoad(p, world, () => chaosDone, onOp, contended.get(p))),
      ...world.chatMembers.map((p) => chatMemberBooks(p, world)),
    ]);

    const chaos = (async () => {
      // 1. A worker killed while sends of its are in flight. Both doors close; once every answered
      // send is marked sent (no send is between Telegram's answer and its mark), worker-1 dies with
      // requests held at its door: they never reach Telegram, and its claims must be taken over.
      enter('kill worker-1');
      await opsReached(20);
      gates[0]!.close();
      gates[1]!.close();
      await gates[0]!.held(1);
      await eventually(async () => (await sentTotal()) === gates[0]!.delivered + gates[1]!.delivered);
      const worker1 = fleet.find((m) => m.name === 'worker-1')!;
      worker1.process.child.kill('SIGKILL');
      await worker1.process.exited;
      gates[1]!.open();
      gates[0]!.open();

      // 2. PostgreSQL restarts while sends are in flight: worker-2's held sends reach Telegram while
      // the database is down, and their marks must wait for it rather than send again.
      enter('restart postgres');
      await opsReached(done + 20);
      gates[1]!.close();
      await gates[1]!.held(1);
      await postgres.stop();
      gates[1]!.open();
      await gates[1]!.drained();
      await postgres.start();

      // 3. Redis restarts empty: queued deliveries and the job schedulers are gone.
      enter('restart redis');
      await opsReached(done + 20);
      await redis.stop();
      await redis.start();
      chaosDone = true;
    })();

    await Promise.all([chaos, load]);
    enter('waiting for deliveries');

    // The reminders of the first slot fall due at its start minus each offset: the check covers
    // them all, so it waits for the last of those moments (the clock is the event here).
    const lastReminderDue = world.slots[0]!.getTime() - Math.min(...REMINDER_OFFSETS) * 60_000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastReminderDue - Date.now())));
    // Everything due by now must be delivered: wait until it is (the jobs finish what is queued).
    const dueBy = new Date();
    let last: Invariants | undefined;
    await eventually(async () => {
      last = await checkInvariants(db, dueBy);
      return last.missingReminders.length === 0 && last.undelivered.length === 0;
    }, 300_000);
    await gates[1]!.drained();
    enter('checked');
    const invariants = last!;

    // Exactly once: what reached each chat from the workers against what the database marks sent.
    const inDb = await sentPerChat(db);
    const atTelegram = new Map<string, number>();
    for (const g of gates) for (const [chat, n] of g.sentTo) atTelegram.set(chat, (atTelegram.get(chat) ?? 0) + n);
    for (const chat of new Set([...inDb.keys(), ...atTelegram.keys()])) {
      const sent = atTelegram.get(chat) ?? 0;
      const recorded = inDb.get(chat) ?? 0;
      counts.duplicates += Math.max(0, sent - recorded);
      counts.lost += Math.max(0, recorded - sent);
    }
    counts.lost += invariants.missingReminders.length + invariants.undelivered.length;
    counts.notificationsDelivered = [...inDb.values()].reduce((a, b) => a + b, 0);
    counts.remindersDelivered = await db.notification.count({ where: { type: 'session.reminder', status: 'sent' } });

    expect(invariants).toEqual({ overCapacity: 0, doubleSeats: 0, confirmedWithoutSession: 0, missingReminders: [], undelivered: [] });
    expect(counts.duplicates).toBe(0);
    expect(counts.lost).toBe(0);
    expect(api.stats.serverErrors).toEqual([]);
    expect(api.stats.unanswered).toBe(0);
    expect(counts.confirmed).toBeGreaterThan(0);
    expect(counts.rejected).toBeGreaterThan(0);
    expect(counts.remindersDelivered).toBeGreaterThan(0);
    expect(counts.chatBookings).toBe(CHAT_MEMBERS);
  });
});

/** A session of the test's own holding a coach's calendar lock (the lock every booking of that coach takes) until released. */
async function holdCoachLock(coachUserId: string): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: postgres.url('coachbot') });
  await c.connect();
  await c.query('BEGIN');
  await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`coach:${coachUserId}`]);
  return {
    async release() {
      await c.query('COMMIT');
      await c.end();
    },
  };
}

/**
 * Resolves once `n` sessions of the named processes wait for a lock (a coach's calendar lock, or a
 * row another transaction is writing, as a twin's idempotency key is); fails if one of `requests`
 * is answered first (it never waited, or gave up before anyone looked). Looks through a connection
 * of its own, so no other use of the run's pool can hold it up.
 */
async function lockWaiters(names: string[], n: number, requests: Promise<unknown>[]): Promise<void> {
  const probe = new pg.Client({ connectionString: postgres.url('coachbot') });
  await probe.connect();
  const answered = Promise.race(requests).then(() => {
    throw new Error(`a request was answered before ${n} sessions of ${names.join(', ')} waited for a lock`);
  });
  try {
    await Promise.race([
      answered,
      eventually(async () => {
        const { rows } = await probe.query<{ n: number }>(
          `SELECT count(DISTINCT l.pid)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE NOT l.granted AND a.application_name = ANY($1::text[])`,
          [names],
        );
        return rows[0]!.n >= n;
      }),
    ]);
  } finally {
    answered.catch(() => undefined);
    await probe.end();
  }
}

/** A request straight to one process, as a client would send it before knowing the process is gone. */
function postBooking(port: number, p: Person, body: Record<string, unknown>, key: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/bookings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
}

function cancelSession(port: number, p: Person, sessionId: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/sessions/${sessionId}/cancel`, { method: 'PATCH', headers: { authorization: `Bearer ${p.token}` } });
}

const member = (name: string) => fleet.find((m) => m.name === name)!;
const bookingBody = (w: World, p: Person, slot: number) => ({ memberId: p.memberId, coachId: p.coachId, startsAt: w.slots[slot]!.toISOString(), duration: 5 });

describe('chaos: the hard cases, one at a time', { timeout: 300_000 }, () => {
  it('the same key sent to two API processes at once books once, and both answer that booking', async () => {
    enter('same key to two processes');
    const w = await makeWorld(db, String(fake.botId), { coaches: 1, apiMembersPerCoach: 1, chatCoaches: 0, chatMembers: 0 });
    const p = w.apiMembers[0]!;
    const key = randomUUID();
    // Both requests wait on the coach's lock, so they race for it the moment it is free.
    const lock = await holdCoachLock(p.coachId!);
    const answers = [member('api-1'), member('api-2')].map((m) => postBooking(m.port, p, bookingBody(w, p, 6), key));
    await lockWaiters(['api-1', 'api-2'], 2, answers);
    await lock.release();
    const [a, b] = await Promise.all(answers.map(async (r) => ({ status: (await r).status, body: (await (await r).json()) as Record<string, unknown> })));
    enter(`same key: ${JSON.stringify([a, b])}`);
    expect([a!.status, b!.status]).toEqual([201, 201]);
    expect(a!.body.id).toBe(b!.body.id);
    expect(await db.sessionBooking.count({ where: { memberId: p.memberId! } })).toBe(1);
  });

  it('an API process killed while its booking commits: the retry with the same key on the other process answers that booking', async () => {
    enter('killed while committing');
    const w = await makeWorld(db, String(fake.botId), { coaches: 1, apiMembersPerCoach: 1, chatCoaches: 0, chatMembers: 0 });
    const p = w.apiMembers[0]!;
    const key = randomUUID();
    const api1 = member('api-1');
    // PostgreSQL commits the booking; api-1 never hears so, and dies before it can answer. The
    // booking's one query (its write as a prepared statement, the lock, the re-check, COMMIT) is
    // told by the re-check it calls.
    const committing = proxy.armOnCommit(/bookings_recheck/);
    const first = postBooking(api1.port, p, bookingBody(w, p, 7), key).then(
      (r) => r.status,
      () => 'no answer' as const,
    );
    await committing;
    enter('killed while committing: commit sent');
    await eventually(async () => (await db.sessionBooking.count({ where: { memberId: p.memberId! } })) === 1);
    api1.process.child.kill('SIGKILL');
    await api1.process.exited;
    expect(await first).toBe('no answer');

    const retry = await new ApiClient(() => [member('api-2').port]).send(p.token!, 'POST', '/bookings', bookingBody(w, p, 7), { 'idempotency-key': key });
    const booked = await db.sessionBooking.findMany({ where: { memberId: p.memberId! } });
    expect(booked).toHaveLength(1);
    expect(retry).toMatchObject({ status: 201, body: { id: booked[0]!.id, status: 'confirmed' } });
    // The fleet gets its second API process back for the next case.
    fleet.push(await startMember('api-3', 'api', settings, fake.apiRoot));
  });

  it('a process frozen while it holds a coach\'s lock: the others answer 503 within the lock timeout, other coaches book, and all recover once it is killed', async () => {
    enter('frozen lock holder');
    const w = await makeWorld(db, String(fake.botId), { coaches: 2, apiMembersPerCoach: 2, chatCoaches: 0, chatMembers: 0 });
    const [frozenMember, waitingMember, , otherCoachMember] = w.apiMembers as [Person, Person, Person, Person];
    const api2 = member('api-2');
    const api3 = member('api-3');
    // A booking is checked and written under the lock in one round trip, so a client frozen in one
    // cannot keep the lock; a session's cancellation holds it across round trips (lock, re-read,
    // write), so that is what api-2 is frozen in.
    const booked = await postBooking(api3.port, frozenMember, bookingBody(w, frozenMember, 8), randomUUID());
    expect(booked.status).toBe(201);
    const { sessionId } = (await booked.json()) as { sessionId: string };
    // api-2 waits on the lock, is frozen, and is handed the lock: it now holds it, stopped.
    const lock = await holdCoachLock(frozenMember.coachId!);
    const frozen = cancelSession(api2.port, frozenMember, sessionId).then(
      (r) => r.status,
      () => 'no answer' as const,
    );
    await lockWaiters(['api-2'], 1, [frozen]);
    api2.process.child.kill('SIGSTOP');
    await lock.release();
    await eventually(async () => {
      const [row] = await db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'api-2' AND a.state = 'idle in transaction'`;
      return row!.n === 1;
    });
    // (No lock timeout ends that: the frozen session is idle in a transaction, not waiting.)

    // Another process: that coach's bookings give up after the lock timeout, with a reason and a retry time...
    const refused = await postBooking(api3.port, waitingMember, bookingBody(w, waitingMember, 8), randomUUID());
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: string }).error).toBe('database_busy');
    // ...while every other coach books as usual.
    expect((await postBooking(api3.port, otherCoachMember, bookingBody(w, otherCoachMember, 8), randomUUID())).status).toBe(201);

    // Killed, the frozen process loses its session, its transaction and the lock.
    api2.process.child.kill('SIGKILL');
    await api2.process.exited;
    expect(await frozen).toBe('no answer');
    expect((await cancelSession(api3.port, frozenMember, sessionId)).status).toBe(200);
    expect((await postBooking(api3.port, waitingMember, bookingBody(w, waitingMember, 8), randomUUID())).status).toBe(201);
    expect(await db.sessionBooking.count({ where: { coachId: frozenMember.coachId!, status: 'confirmed' } })).toBe(1);
  });
});

/**
 * Seats of a slot taken or held at once (docs/design.md §11): for each coach and slot, sessions not
 * cancelled plus waitlist offers holding a seat. Answers the slots over SEATS.
 */
async function overHeld(): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (
      SELECT "coachId", "at" FROM (
        SELECT "coachId", "scheduledAt" AS "at" FROM "sessions" WHERE "status" <> 'cancelled'
        UNION ALL
        SELECT "coachId", "startsAt" FROM "waitlist_entries" WHERE "status" = 'offered') t
      GROUP BY "coachId", "at" HAVING count(*) > ${SEATS}) o`;
  return row!.n;
}

describe('chaos: a cancellation storm on full slots with waitlists', { timeout: 600_000 }, () => {
  it('two API and two worker processes, a worker killed mid-offer: nothing overbooked, no seat held past its deadline for long, no offer sent twice', async () => {
    enter('waitlist storm: starting its processes');
    // Offers hold their seats a minute here (the smallest WAITLIST_CLAIM_MINUTES), so that some expire within the run.
    const storm = { ...settings, env: { ...settings.env, WAITLIST_CLAIM_MINUTES: '1' } };
    const doors = [await startGate(fake.apiRoot), await startGate(fake.apiRoot)];
    const started = await Promise.all([
      startMember('api-w1', 'api', storm, fake.apiRoot),
      startMember('api-w2', 'api', storm, fake.apiRoot),
      startMember('worker-w1', 'worker', storm, doors[0]!.apiRoot),
      startMember('worker-w2', 'worker', storm, doors[1]!.apiRoot),
    ]);
    fleet.push(...started);
    const client = new ApiClient(() => started.filter((m) => m.role === 'api' && m.process.child.exitCode === null).map((m) => m.port));
    try {
      const w = await makeWorld(db, String(fake.botId), { coaches: 2, apiMembersPerCoach: 10, chatCoaches: 0, chatMembers: 0 });
      // Two slots per coach, well before their start (the line closes at the start: no minimum notice here).
      const stormSlots = [9, 10];
      const body = (p: Person, slot: number) => ({ memberId: p.memberId, coachId: p.coachId, startsAt: w.slots[slot]!.toISOString(), duration: 5 });
      const byCoach = new Map<string, Person[]>();
      for (const p of w.apiMembers) byCoach.set(p.coachId!, [...(byCoach.get(p.coachId!) ?? []), p]);
      const seated: { p: Person; bookingId: string }[] = [];
      const waiting: Person[] = [];
      enter('waitlist storm: filling the slots and the lines');
      for (const members of byCoach.values()) {
        for (const [i, slot] of stormSlots.entries()) {
          for (const p of members.slice(i * SEATS, (i + 1) * SEATS)) {
            const res = await client.send(p.token!, 'POST', '/bookings', body(p, slot), { 'idempotency-key': randomUUID() });
            expect(res.status, JSON.stringify(res.body)).toBe(201);
            seated.push({ p, bookingId: String(res.body.id) });
          }
        }
        for (const p of members.slice(stormSlots.length * SEATS)) {
          for (const slot of stormSlots) expect((await client.send(p.token!, 'POST', '/waitlist', { coachId: p.coachId, startsAt: w.slots[slot]!.toISOString(), duration: 5 })).status).toBe(201);
          waiting.push(p);
        }
      }

      enter('waitlist storm: cancelling, with worker-w1 killed mid-send');
      doors[0]!.close();
      let checks = 0;
      let over = 0;
      // Every seated member cancels at once, and rebooks (refused while the seat is held for someone else).
      const cancels = Promise.all(
        seated.map(async ({ p, bookingId }) => {
          const res = await client.send(p.token!, 'DELETE', `/bookings/${bookingId}`);
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          const again = await client.send(p.token!, 'POST', '/bookings', body(p, stormSlots[0]!), { 'idempotency-key': randomUUID() });
          expect([201, 409], JSON.stringify(again.body)).toContain(again.status);
          over = Math.max(over, await overHeld());
          checks++;
        }),
      );
      // Waiting members claim what is offered to them, pass it (every third) or let it run out (every
      // third: the tick expires their offers and offers the seats on), while the storm lasts.
      const claims = Promise.all(
        waiting.map(async (p, i) => {
          if (i % 3 === 1) return;
          for (let round = 0; round < 40; round++) {
            const mine = (await client.send(p.token!, 'GET', '/waitlist')).body.items as { id: string; status: string }[];
            const offer = mine.find((e) => e.status === 'offered');
            if (!offer && mine.length === 0) return;
            if (offer) {
              const res = i % 3 === 2
                ? await client.send(p.token!, 'DELETE', `/waitlist/${offer.id}`)
                : await client.send(p.token!, 'POST', `/waitlist/${offer.id}/claim`, undefined, { 'idempotency-key': randomUUID() });
              expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
            }
            over = Math.max(over, await overHeld());
            checks++;
            // A member looking at their list again, as a person would: the pace of the storm, not a
            // wait for an outcome. Whatever it finds in its 40 looks, every offer still ends (claimed,
            // passed, or expired by the tick), which the run then waits for as a database state.
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }),
      );
      // A send of worker-w1's is held at its door: kill it there, its claims must be taken over
      // (should the other workers have taken every send of the storm, it dies when the storm is over).
      const storming = Promise.all([cancels, claims]);
      await Promise.race([doors[0]!.held(1), storming]);
      const w1 = started.find((m) => m.name === 'worker-w1')!;
      w1.process.child.kill('SIGKILL');
      await w1.process.exited;
      doors[0]!.open();
      await storming;

      enter('waitlist storm: waiting for the offers to end');
      // Offers left unclaimed run out a minute after they were made; the tick ends them (and offers on).
      const tickMs = Number(settings.env.JOBS_TICK_MS);
      await eventually(async () => (await db.waitlistEntry.count({ where: { coachId: { in: [...byCoach.keys()] }, status: 'offered' } })) === 0, 600_000);
      over = Math.max(over, await overHeld());
      const ended = await db.waitlistEntry.findMany({ where: { coachId: { in: [...byCoach.keys()] }, status: 'expired' }, select: { holdUntil: true, endedAt: true } });
      const late = ended.map((e) => e.endedAt!.getTime() - e.holdUntil!.getTime());
      enter(`waitlist storm: ${checks} checks, ${ended.length} expired, latest expiry ${Math.max(0, ...late)} ms after its deadline (tick ${tickMs} ms)`);

      // Exactly once at Telegram: each storm member's chat got what the database marks sent, no more.
      await eventually(async () => (await db.notification.count({ where: { userId: { in: w.apiMembers.map((p) => p.userId) }, status: { in: ['pending', 'sending'] } } })) === 0, 300_000);
      await Promise.all(doors.map((d) => d.drained()));
      const inDb = await sentPerChat(db);
      let twice = 0;
      for (const p of w.apiMembers) {
        const chat = String(p.chatId);
        const sent = doors.reduce((n, d) => n + (d.sentTo.get(chat) ?? 0), 0) + gates.reduce((n, g) => n + (g.sentTo.get(chat) ?? 0), 0);
        twice += Math.max(0, sent - (inDb.get(chat) ?? 0));
      }
      const offersPerEntry = await db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM (SELECT "payload"->>'entryId' FROM "notifications" WHERE "type" = 'waitlist.offered' GROUP BY 1 HAVING count(*) > 1) t`;

      expect(over).toBe(0);
      expect(ended.length).toBeGreaterThan(0);
      expect(late.every((ms) => ms >= 0)).toBe(true);
      expect(twice).toBe(0);
      expect(offersPerEntry[0]!.n).toBe(0);
      expect(await db.waitlistEntry.count({ where: { coachId: { in: [...byCoach.keys()] }, offeredAt: { not: null } } })).toBeGreaterThan(0);
      expect(client.stats.serverErrors).toEqual([]);
    } finally {
      await Promise.all(doors.map((d) => d.shutdown()));
    }
  });
});
