import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { coachWorld, HOUR, MINUTE, setWindows, type CoachWorld } from '../core/bookings.fixtures.ts';
import { createBot } from '../../src/bot/index.ts';
import { linkChat, recordable, RecordingPort, testWorkers, untilSettled } from './harness.ts';

// Reminders and prompts are derived from the sessions table by the tick: booked for a near time they
// arrive in order and once; rescheduled they follow the new time; cancelled none is sent.
// The clock is manual and each tick is driven by the test, so nothing here waits on a timer.

const { db, core, clock } = await setupCore();
const port = new RecordingPort('web');
const jobs = await testWorkers({ db, clock, ports: [port] });

let w: CoachWorld;
beforeEach(async () => {
  clock.set(TEST_EPOCH); // Monday 09:00 UTC
  w = await coachWorld(db, { members: 1 });
  await setWindows(db, w.coach.user.id, [1, 2, 3].map((dayOfWeek) => ({ dayOfWeek, startTime: '08:00', endTime: '18:00' })));
  await linkChat(db, w.coach.user.id);
  await linkChat(db, w.members[0]!.user.id);
});

const at = (ms: number) => new Date(TEST_EPOCH.getTime() + ms);

// Bookings and changes are made by an admin, who is not a party: both parties are told of each
// (partiesToTell in src/core/sessions/records.ts), so every change here notifies two people.
async function book(startsAt: Date) {
  const member = w.members[0]!;
  const booking = await core.bookings.create(
    w.admin.actor,
    { memberId: member.user.memberId!, coachId: w.coach.user.id, requestedDate: startsAt.toISOString().slice(0, 10), requestedTime: startsAt.toISOString().slice(11, 16) },
    randomUUID(),
  );
  return booking.sessionId!;
}

const about = (sessionId: string) => (m: { payload: Record<string, unknown> }) => m.payload.sessionId === sessionId;

/** Waits until the port has `total` messages about the session; returns them. */
const sentAbout = (sessionId: string, total: number) => port.waitFor(about(sessionId), total);

/** Moves the clock, ticks, and waits until the port has `total` messages about the session; returns the new ones. */
async function tickAt(instant: Date, sessionId: string, total: number) {
  const before = port.sent.filter(about(sessionId)).length;
  clock.set(instant);
  await jobs.tick();
  const all = await sentAbout(sessionId, total);
  return all.slice(before).map((m) => ({ type: m.type, userId: m.userId, minutesBefore: m.payload.minutesBefore, scheduledAt: m.payload.scheduledAt }));
}

/** The reminder and prompt rows derived so far for the session. */
const timedRows = (sessionId: string) =>
  db.notification.count({ where: { type: { in: ['session.reminder', 'session.complete_prompt', 'session.rate_prompt'] }, payload: { path: ['sessionId'], equals: sessionId } } });

/** Every row of these sessions settled, and the port got exactly one message per sent row. */
async function expectSettledOnce(sessionIds: string[]) {
  await jobs.reconcile();
  const read = () => db.notification.findMany({ where: { OR: sessionIds.map((id) => ({ payload: { path: ['sessionId'], equals: id } })) } });
  // A send the port has seen is marked a moment later, by the worker.
  await untilSettled(jobs, async () => (await read()).every((r) => r.status !== 'pending' && r.status !== 'sending'));
  const rows = await read();
  const sentIds = rows.filter((r) => r.status === 'sent').map((r) => r.id).sort();
  const delivered = port.sent.filter((m) => sessionIds.includes(String(m.payload.sessionId))).map((m) => m.id).sort();
  expect(delivered).toEqual(sentIds);
}

describe('reminders and prompts, derived from the sessions table', () => {
  it('a session booked for a near time gets its later reminder (not the passed one), then the prompts, in order, once', async () => {
        const coach = w.coach.user.id;
    const member = w.members[0]!.user.id;
    const sessionId = await book(at(2 * HOUR)); // 11:00, inside the 24 h reminder's window
    await jobs.relay();
    expect((await sentAbout(sessionId, 2)).map((m) => m.type)).toEqual(['booking.confirmed', 'booking.confirmed']);

    // Nothing due yet: the 24 h reminder passed before the booking, the 1 h one is at 10:00.
    await jobs.tick();
    expect(await timedRows(sessionId)).toBe(0);
    const reminders = await tickAt(at(HOUR), sessionId, 4);
    expect(reminders.map((r) => [r.type, r.minutesBefore]).sort()).toEqual([['session.reminder', 60], ['session.reminder', 60]]);
    expect(reminders.map((r) => r.userId).sort()).toEqual([coach, member].sort());
    // Ticking again, at the same time or later, derives nothing more.
    clock.set(at(HOUR + 30 * MINUTE));
    await jobs.tick();
    expect(await timedRows(sessionId)).toBe(2);

    // The end: the coach's complete prompt; nothing for the member until it is completed.
    expect(await tickAt(at(3 * HOUR), sessionId, 5)).toEqual([{ type: 'session.complete_prompt', userId: coach, minutesBefore: undefined, scheduledAt: at(2 * HOUR).toISOString() }]);
    clock.set(at(3 * HOUR + 5 * MINUTE));
    await core.sessions.complete(w.admin.actor, sessionId, { coachNotes: 'good' });
    await jobs.relay();
    const after = await tickAt(at(3 * HOUR + 5 * MINUTE), sessionId, 7);
    // The member's completion notice is their one rating request: no separate rate prompt follows it.
    expect(after.map((m) => [m.type, m.userId]).sort()).toEqual([['session.completed', coach], ['session.completed', member]].sort());
    expect(port.sent.filter(about(sessionId)).map((m) => m.type).filter((t) => t !== 'session.completed')).toEqual([
      'booking.confirmed', 'booking.confirmed', 'session.reminder', 'session.reminder', 'session.complete_prompt',
    ]);
    // Rated: no further prompt, however often it ticks.
    await core.sessions.rate(w.members[0]!.actor, sessionId, { rating: 5 });
    clock.set(at(5 * HOUR));
    await jobs.tick();
    expect(await timedRows(sessionId)).toBe(3);
    await expectSettledOnce([sessionId]);
  });

  it('book, complete, rate: each person gets each notice once, and the member is asked for a rating once', async () => {
    const member = w.members[0]!.user.id;
    const sessionId = await book(at(2 * HOUR));
    clock.set(at(3 * HOUR + 10 * MINUTE));
    await core.sessions.complete(w.admin.actor, sessionId, { coachNotes: 'done' });
    // The session's end and its completion are both past: every tick and relay from here on.
    await jobs.tick();
    await jobs.relay();
    await jobs.tick();
    await expectSettledOnce([sessionId]);
    await core.sessions.rate(w.members[0]!.actor, sessionId, { rating: 4 });
    clock.set(at(6 * HOUR));
    await jobs.tick();
    await expectSettledOnce([sessionId]);
    const counts = new Map<string, number>();
    for (const m of port.sent.filter(about(sessionId))) counts.set(`${m.userId}:${m.type}`, (counts.get(`${m.userId}:${m.type}`) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const ratingRequests = port.sent.filter(about(sessionId)).filter((m) => m.userId === member && ['session.completed', 'session.rate_prompt'].includes(m.type));
    expect(ratingRequests).toHaveLength(1);
  });

  it('a booking writes no reminder or prompt rows: they appear only when due', async () => {
    const sessionId = await book(at(26 * HOUR)); // Tuesday 11:00
    const rows = await db.notification.findMany({ where: { payload: { path: ['sessionId'], equals: sessionId } } });
    expect(rows.map((r) => r.type)).toEqual(['booking.confirmed', 'booking.confirmed']);
  });

  it('rescheduled, the reminders follow the new time and the old time sends nothing', async () => {
        const sessionId = await book(at(26 * HOUR)); // Tuesday 11:00
    await jobs.relay();
    await sentAbout(sessionId, 2);
    // Monday 11:00: the 24 h reminder of Tuesday 11:00.
    const first = await tickAt(at(2 * HOUR), sessionId, 4);
    expect(first.map((r) => [r.minutesBefore, r.scheduledAt])).toEqual([[1440, at(26 * HOUR).toISOString()], [1440, at(26 * HOUR).toISOString()]]);
    // Monday 11:30: moved to Tuesday 15:00.
    clock.set(at(2 * HOUR + 30 * MINUTE));
    const newTime = at(30 * HOUR);
    await core.sessions.reschedule(w.admin.actor, sessionId, { scheduledAt: newTime });
    await jobs.relay();
    await sentAbout(sessionId, 6);
    // Monday 15:00: the new time's 24 h reminder (the session moved before that moment).
    const second = await tickAt(at(6 * HOUR), sessionId, 8);
    expect(second.map((r) => [r.type, r.minutesBefore, r.scheduledAt])).toEqual([
      ['session.reminder', 1440, newTime.toISOString()], ['session.reminder', 1440, newTime.toISOString()],
    ]);
    // Tuesday 10:00, the old time's 1 h reminder moment: nothing.
    clock.set(at(25 * HOUR));
    await jobs.tick();
    expect(await timedRows(sessionId)).toBe(4);
    // Tuesday 14:00: the new time's 1 h reminder.
    const third = await tickAt(at(29 * HOUR), sessionId, 10);
    expect(third.map((r) => [r.minutesBefore, r.scheduledAt])).toEqual([[60, newTime.toISOString()], [60, newTime.toISOString()]]);
    await expectSettledOnce([sessionId]);
  });

  it('cancelled, no reminder or prompt is sent', async () => {
        const sessionId = await book(at(26 * HOUR));
    clock.set(at(HOUR));
    await core.sessions.cancel(w.admin.actor, sessionId, { reason: 'away' });
    await jobs.relay();
    const told = await sentAbout(sessionId, 4);
    expect(told.map((m) => m.type).sort()).toEqual(['booking.confirmed', 'booking.confirmed', 'session.cancelled', 'session.cancelled']);
    for (const instant of [at(2 * HOUR), at(25 * HOUR), at(27 * HOUR), at(40 * HOUR)]) {
      clock.set(instant);
      await jobs.tick();
      expect(await timedRows(sessionId)).toBe(0);
    }
    await expectSettledOnce([sessionId]);
    expect(port.sent.filter(about(sessionId))).toHaveLength(4);
  });

  it('a reminder already derived for the old time is dropped when the session moves before it goes out', async () => {
        const sessionId = await book(at(26 * HOUR));
    await jobs.relay();
    await sentAbout(sessionId, 2);
    // The 24 h reminder's row is written (due Monday 11:00) but not yet delivered ...
    const { materializeTimedNotifications } = await import('../../src/core/notifications/index.ts');
    clock.set(at(2 * HOUR - 30_000));
    expect(await materializeTimedNotifications(db, { reminderOffsetsMinutes: [1440, 60], promptLookbackMs: HOUR }, clock.now(), at(2 * HOUR))).toBe(2);
    // ... when the session moves; at its time the worker finds it stale and skips it.
    await core.sessions.reschedule(w.admin.actor, sessionId, { scheduledAt: at(30 * HOUR) });
    clock.set(at(2 * HOUR));
    await jobs.relay();
    await sentAbout(sessionId, 4); // the two `session.rescheduled`
    await expectSettledOnce([sessionId]);
    const reminders = await db.notification.findMany({ where: { type: 'session.reminder', payload: { path: ['sessionId'], equals: sessionId } } });
    expect(reminders.map((r) => [r.status, r.failureReason])).toEqual([['skipped', 'session_rescheduled'], ['skipped', 'session_rescheduled']]);
    expect(port.sent.filter((m) => about(sessionId)(m) && m.type === 'session.reminder')).toEqual([]);
  });

  it('a user with no chat identity: recorded as skipped with the reason, not retried', async () => {
    const loner = await coachWorld(db, { members: 1 });
    await setWindows(db, loner.coach.user.id, [{ dayOfWeek: 1, startTime: '08:00', endTime: '18:00' }]);
    const m = loner.members[0]!;
    const booking = await core.bookings.create(loner.admin.actor, { memberId: m.user.memberId!, coachId: loner.coach.user.id, requestedDate: '2030-01-07', requestedTime: '12:00' }, randomUUID());
    await jobs.relay();
    await jobs.reconcile();
    // Settled rows are final: waiting for the two rows to leave pending is waiting for the worker.
    const rows = await waitForRows(booking.sessionId!, (r) => r.status !== 'pending' && r.status !== 'sending');
    expect(rows.map((r) => [r.status, r.failureReason?.split(':')[0]])).toEqual([['skipped', 'no_chat_identity'], ['skipped', 'no_chat_identity']]);
    const listed = await core.notifications.list(w.admin.actor, { status: 'skipped', failureReason: 'no_chat_identity', userId: m.user.id });
    expect(listed.items).toHaveLength(1);
  });
});

describe("through the bot's own Presenter", () => {
  it('a reminder reaches the member with Confirm, Reschedule and Cannot make it; the coach prompt with Complete and No-show', async () => {
    const bot = createBot({ core, clock, actionSecret: 'jobs-test-secret-0123456789abcdef' });
    const realPort = new RecordingPort('telegram');
    const real = await testWorkers({ db, clock, ports: [realPort], present: recordable(bot.present) });
    await linkChat(db, w.coach.user.id, 'telegram');
    await linkChat(db, w.members[0]!.user.id, 'telegram');
    const sessionId = await book(at(2 * HOUR));
    clock.set(at(HOUR));
    await real.tick();
    const labels = (m: { blocks: { type: string; elements?: { type: string; label?: string }[] }[] }) =>
      m.blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []).map((e) => e.label) : []));
    const messages = await realPort.waitFor((m) => about(sessionId)(m), 4);
    const reminder = messages.find((m) => m.type === 'session.reminder' && m.userId === w.members[0]!.user.id)!;
    expect(reminder.to.platform).toBe('telegram');
    expect(labels(reminder)).toEqual(['Confirm', 'Reschedule', "Can't make it"]);
    clock.set(at(3 * HOUR));
    await real.tick();
    const [prompt] = await realPort.waitFor((m) => about(sessionId)(m) && m.type === 'session.complete_prompt', 1);
    expect(labels(prompt!)).toEqual(['Complete', 'No-show']);
  });
});

/** Waits for the session's outbox rows to satisfy `done`, woken by the worker's own completions. */
async function waitForRows(sessionId: string, done: (r: { status: string }) => boolean) {
  const read = () => db.notification.findMany({ where: { payload: { path: ['sessionId'], equals: sessionId } } });
  await untilSettled(jobs, async () => (await read()).every(done));
  return read();
}
