import { DateTime } from 'luxon';
import { createCore, ManualClock, type Actor, type Clock, type Core, type CoreDeps } from '../core/index.ts';

// A demo for `npm start` on an empty database: two coaches in different zones with weekly
// availability, members, sessions ahead and a few finished ones (made by cores whose clock stands
// in the past, so every row is written by the same rules as a real booking). Core only.

const COACHES = [
  { name: 'Ada Lovelace', email: 'ada@coachbot.example', timezone: 'Europe/Berlin', specialization: 'Strength and mobility', windows: [1, 2, 3, 4, 5].map((d) => ({ dayOfWeek: d, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 2, bufferMinutes: 0 })) },
  { name: 'Grace Hopper', email: 'grace@coachbot.example', timezone: 'America/New_York', specialization: 'Running', windows: [1, 2, 3, 4, 5, 6].map((d) => ({ dayOfWeek: d, startTime: '10:00', endTime: '16:00', maxSessionsPerSlot: 1, bufferMinutes: 0 })) },
];

const MEMBERS = [
  { name: 'Maya Member', timezone: 'Europe/London', coach: 0, goals: 'Deadlift my body weight' },
  { name: 'Sam Sprinter', timezone: 'Europe/Berlin', coach: 0, goals: 'Run 5k under 25 minutes' },
  { name: 'Leo Learner', timezone: 'America/Los_Angeles', coach: 1, goals: 'First half marathon' },
];

/** Seeds the demo unless anyone but the local admin exists; answers whether it did. */
export async function seedDemoIfEmpty(deps: CoreDeps): Promise<boolean> {
  const core = createCore(deps);
  const people = await core.chat.localDirectory();
  if (people.some((p) => p.role !== 'Admin')) return false;

  const coaches = [];
  for (const c of COACHES) {
    const user = await core.operator.createUser({ name: c.name, email: c.email, role: 'Coach', timezone: c.timezone });
    const actor = await core.access.actorFor(user.id);
    await core.coaches.updateProfile(actor, user.id, { timezone: c.timezone, specialization: c.specialization, bio: `${c.name} coaches ${c.specialization.toLowerCase()}.` });
    for (const w of c.windows) await core.availability.create(actor, w);
    coaches.push({ id: user.id, actor });
  }
  const members = [];
  for (const m of MEMBERS) {
    const { member } = await core.signup.signupMember({ name: m.name, timezone: m.timezone, coachId: coaches[m.coach]!.id, goals: m.goals });
    members.push({ userId: member.user.id, memberId: member.id, coachId: coaches[m.coach]!.id, actor: await core.access.actorFor(member.user.id) });
  }

  const now = deps.clock.now();
  // Finished sessions: booked ten days ago for a week ago, completed, one of them rated.
  const pastClock = new ManualClock(DateTime.fromJSDate(now).minus({ days: 10 }).toJSDate());
  const past = createCore({ ...deps, clock: pastClock });
  for (const [i, m] of members.entries()) {
    const session = await bookFirstSlot(past, pastClock, m, 3 + i);
    if (!session) continue;
    pastClock.set(new Date(session.startsAt.getTime() + 70 * 60_000));
    const coach = coaches.find((c) => c.id === m.coachId)!;
    await past.sessions.complete(coach.actor, session.sessionId, { coachNotes: 'Good session: technique first, then volume.', outcomes: 'Plan for the next two weeks agreed.' });
    if (i !== 0) await past.sessions.rate(m.actor, session.sessionId, { rating: 5 - i, feedback: 'Clear and motivating.' });
    pastClock.set(DateTime.fromJSDate(now).minus({ days: 10 }).toJSDate());
  }
  // Sessions ahead.
  for (const [i, m] of members.entries()) await bookFirstSlot(core, deps.clock, m, 2 + i);
  return true;
}

type Party = { memberId: string; coachId: string; actor: Actor };

/** Books the member's first free slot from `daysAhead` days after the clock's today. */
async function bookFirstSlot(core: Core, clock: Clock, m: Party, daysAhead: number): Promise<{ sessionId: string; startsAt: Date } | null> {
  const today = DateTime.fromJSDate(clock.now(), { zone: 'UTC' });
  const slots = await core.availability.listSlots(m.actor, {
    coachId: m.coachId,
    startDate: today.plus({ days: daysAhead }).toFormat('yyyy-MM-dd'),
    endDate: today.plus({ days: daysAhead + 7 }).toFormat('yyyy-MM-dd'),
    duration: 60,
  });
  const slot = slots.find((s) => s.availableCapacity > 0);
  if (!slot) return null;
  const booking = await core.bookings.create(
    m.actor,
    { memberId: m.memberId, coachId: m.coachId, requestedDate: slot.date, requestedTime: slot.time, duration: 60 },
    `demo-seed:${m.memberId}:${slot.startsAt}`,
  );
  return booking.sessionId ? { sessionId: booking.sessionId, startsAt: new Date(slot.startsAt) } : null;
}
