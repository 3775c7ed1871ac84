import type { ChatIdentityInput } from '../../src/core/users/index.ts';
import { databaseFingerprint } from '../api/harness.ts';
import { pino } from 'pino';
import { setupCore, type TestContext } from './core.ts';
import { logCapture, watchProcessFailures } from './hostile.ts';
import { actorOf, makeAdmin, makeCoach, makeMember } from './factories.ts';

// A small world for fuzzing a chat receiver: a coach with weekly hours, a member of theirs with one
// booked session, both linked to chat users of the platform under test, so hostile input from them
// reaches the bot's member and coach screens, not only the stranger's.

/**
 * What every receiver's fuzz file starts with: its own database and core, a watch on the process
 * for crashes and unhandled rejections, and a logger whose lines the properties read (warn and up).
 */
export async function fuzzSetup() {
  const t = await setupCore();
  const failures = watchProcessFailures();
  const logs = logCapture();
  const logger = pino({ level: 'warn' }, logs.stream);
  return { t, failures, logs, logger };
}

export interface FuzzWorld {
  coach: { id: string; platformUserId: string };
  member: { id: string; memberId: string; platformUserId: string };
  sessionId: string;
}

/** A platform user id, or how the platform derives one from our user id (the web playground's `u-<id>`). */
type ChatUserId = string | ((userId: string) => string);

export async function fuzzWorld(
  t: TestContext,
  chat: { platform: ChatIdentityInput['platform']; scope: string; coachUserId: ChatUserId; memberUserId: ChatUserId },
): Promise<FuzzWorld> {
  const coach = await makeCoach(t.db, { name: 'Coach Fuzz', coachTimezone: 'UTC' });
  await t.core.availability.create(await actorOf(t.db, coach), { dayOfWeek: 2, startTime: '09:00', endTime: '12:00', bufferMinutes: 0, maxSessionsPerSlot: 2 });
  const member = await makeMember(t.db, { name: 'Member Fuzz', coachId: coach.id });
  const admin = await actorOf(t.db, await makeAdmin(t.db));
  const booking = await t.core.bookings.create(admin, { memberId: member.memberId!, coachId: coach.id, requestedDate: '2030-01-08', requestedTime: '10:00' }, 'fuzz-world');
  if (!booking.sessionId) throw new Error('fuzz world: the booking made no session');
  const idOf = (given: ChatUserId, userId: string) => (typeof given === 'string' ? given : given(userId));
  const coachChat = idOf(chat.coachUserId, coach.id);
  const memberChat = idOf(chat.memberUserId, member.id);
  await t.core.chat.ensureLink(coach.id, { platform: chat.platform, scope: chat.scope, platformUserId: coachChat });
  await t.core.chat.ensureLink(member.id, { platform: chat.platform, scope: chat.scope, platformUserId: memberChat });
  return {
    coach: { id: coach.id, platformUserId: coachChat },
    member: { id: member.id, memberId: member.memberId!, platformUserId: memberChat },
    sessionId: booking.sessionId,
  };
}

/**
 * Tables a handled chat input writes by design, whatever it says: chat_deliveries (each delivery
 * the bot takes is claimed and its answer kept, so a redelivery gets the same answer),
 * chat_states (what a user is in the middle of: a search kept for "Next page", a form being
 * filled in), link_guesses (a `/link` whose text has the shape of a code is a wrong try, counted
 * so that guessing is throttled) and chat_live_messages (a list typed for, or a screen a genuine
 * button is on, is kept current). A genuine form submission (`submitted`, its verb) may also save
 * what the form is for when its values are valid, whatever characters they hold: the profile form
 * a name, goals or a zone. Nothing else may change.
 */
export function bookkeepingTables(genuineAction: boolean, submitted?: string): string[] {
  const saved = genuineAction && submitted ? (FORM_WRITES[submitted] ?? []) : [];
  // A genuine booking button refused for its time (too soon, outside the schedule) keeps that
  // refusal under its Idempotency-Key, so the same click again answers the same (docs/design.md §3).
  const keyed = genuineAction ? ['idempotency_keys'] : [];
  return ['chat_deliveries', 'chat_states', 'link_guesses', 'chat_live_messages', ...keyed, ...saved];
}

/** What a genuine, valid submission of each form with no arguments saves (the fuzzers' other forms need rows they never name). */
const FORM_WRITES: Record<string, string[]> = { pE: ['users', 'member_profiles'] };

/** The database fingerprint without the given tables. */
export async function fingerprintWithout(db: TestContext['db'], tables: string[]): Promise<Record<string, string>> {
  const all = await databaseFingerprint(db);
  for (const name of tables) delete all[name];
  return all;
}

/** Deliveries claimed but neither answered nor given back: a handler stopped half-way. */
export async function unansweredDeliveries(db: TestContext['db']): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM chat_deliveries WHERE effects IS NULL`;
  return row!.n;
}
