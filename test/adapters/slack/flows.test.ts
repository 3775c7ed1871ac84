/* eslint-disable @typescript-eslint/no-explicit-any -- Block Kit as the fake Slack recorded it: untyped JSON */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../../src/bot/index.ts';
import { TEST_EPOCH, setupCore } from '../../helpers/core.ts';
import { actorOf, makeAdmin, makeCoach } from '../../helpers/factories.ts';
import type { SlackCall } from '../../fakes/slack.ts';
import { blockAction, eventCallback, homeOpened, slashCommand, viewSubmission, type SlackActor } from '../../fakes/slack-requests.ts';
import { startSlackApp, type SlackAppHarness } from './harness.ts';
import type { RunningWorkers } from '../../../src/jobs/index.ts';
import { testWorkers, untilSettled } from '../../jobs/harness.ts';

// The whole product inside Slack, end to end: signed requests to the real Bolt receiver on a
// loopback port, the real bot over real PostgreSQL, and the Web API answered by the local fake.
// Reminders and prompts are drawn by the bot's Presenter and sent through the Slack ChatPort, as
// the jobs' workers do (the workers were not on main when this was written).

const h = await setupCore({ bookingMinNoticeMinutes: 0 });
let bot: Bot;
let app: SlackAppHarness;
const member: SlackActor = { teamId: '', userId: 'U0MEMBER01' };
const coachUser: SlackActor = { teamId: '', userId: 'U0COACH001' };
let coach: { id: string };

type Message = { channel: string; ts: string };

function blocksOf(m: Message): any[] {
  return (app.fake.message(m.channel, m.ts)?.blocks as any[]) ?? [];
}

function textOf(blocks: any[]): string {
  return JSON.stringify(blocks);
}

/** The token behind the button or option whose label contains `label`. */
function tokenFor(blocks: any[], label: string): string {
  for (const b of blocks) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements) {
      if (e.type === 'button' && e.text.text.includes(label)) return e.value;
      for (const o of e.options ?? []) if (o.text.text.includes(label)) return o.value;
    }
  }
  throw new Error(`no "${label}" in ${textOf(blocks)}`);
}

/** The next chat.postMessage to `actor` after `after` calls, as a message reference. */
/** Resolves once the jobs have marked a notice of `type` for the user as sent. */
async function sent(jobs: RunningWorkers, userId: string, type: string): Promise<void> {
  await untilSettled(jobs, async () => (await h.db.notification.count({ where: { userId, type, status: 'sent' } })) > 0);
}

async function nextPost(actor: SlackActor, after: number, includes = ''): Promise<Message> {
  const call = await app.fake.waitForCall('chat.postMessage', (c) => app.fake.calls.indexOf(c) >= after && c.args.channel === `D${actor.userId}` && textOf(c.args.blocks as any[]).includes(includes));
  return { channel: String(call.args.channel), ts: String(call.answer?.ts) };
}

async function command(actor: SlackActor, name: string, args = '', includes = ''): Promise<Message> {
  const after = app.fake.calls.length;
  expect((await app.send(slashCommand(actor, `/${name}`, args))).status).toBe(200);
  return nextPost(actor, after, includes);
}

/** Clicks `label` on `m`; resolves when the adapter has done the bot's work for it. */
async function click(actor: SlackActor, m: Message, label: string, options: { actionTs?: string } = {}): Promise<void> {
  const res = await app.send(blockAction(actor, tokenFor(blocksOf(m), label), m, { ...options, responseUrl: app.fake.responseUrl() }));
  expect(res.status).toBe(200);
  await app.adapter.idle();
}

/** A new Slack user asks to sign up and picks the coach: answers the signup modal Slack was asked to open. */
async function openSignup(actor: SlackActor, coachName: string): Promise<SlackCall> {
  app.fake.addUser({ id: actor.userId, tz: 'UTC' });
  const picker = await command(actor, 'signup', '', coachName);
  const before = app.fake.callsOf('views.open').length;
  await click(actor, picker, coachName);
  return app.fake.waitForCall('views.open', (c) => app.fake.callsOf('views.open').indexOf(c) >= before);
}

async function submitForm(actor: SlackActor, values: Record<string, string>, opened: SlackCall): Promise<void> {
  expect((await app.send(viewSubmission(actor, opened.args as { view: Record<string, unknown> }, values))).status).toBe(200);
  await app.adapter.idle();
}


beforeAll(async () => {
  // The adapter and the bot need each other (inputs one way, live edits the other): bound late.
  // Submissions wait for the bot's answer however busy the machine is: a refusal goes in the ack.
  app = await startSlackApp({ handle: (inbound) => bot.handle(inbound), sent: (inbound, effect, ref) => bot.sent(inbound, effect, ref) }, { submissionBudgetMs: 60_000 });
  bot = createBot({ core: h.core, clock: h.clock, actionSecret: 'slack-flows-secret', ports: { slack: app.adapter.port } });
  member.teamId = coachUser.teamId = app.teamId;
  app.fake.addUser({ id: member.userId, tz: 'Europe/Berlin', name: 'Mia Member' });
  app.fake.addUser({ id: coachUser.userId, tz: 'UTC', name: 'Carla Coach' });
  const made = await makeCoach(h.db, { name: 'Coach Carla', coachTimezone: 'UTC', timezone: 'UTC' });
  coach = made;
  await h.core.availability.create(await actorOf(h.db, made), { dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1, bufferMinutes: 0 });
  await h.core.chat.ensureLink(made.id, { platform: 'slack', scope: app.teamId, platformUserId: coachUser.userId });
});
afterAll(() => app?.close());

describe('Slack end to end', () => {
  it('member: signup, book, confirmation DM, reminder, then (after the coach completes) rate', async () => {
    // Signup: coach picker in the DM, the form as a modal prefilled with the Slack time zone.
    const picker = await command(member, 'signup', '', 'Coach Carla');
    const modalsBefore = app.fake.callsOf('views.open').length;
    await click(member, picker, 'Coach Carla');
    const opened = await app.fake.waitForCall('views.open', (c) => app.fake.callsOf('views.open').indexOf(c) >= modalsBefore);
    expect(JSON.stringify(opened.args.view)).toContain('Europe/Berlin');
    let after = app.fake.calls.length;
    await submitForm(member, { name: 'Mia', goals: 'Run 10k', timezone: 'Europe/Berlin' }, opened);
    await nextPost(member, after, 'Welcome, Mia!');

    // Book: day -> slot -> confirm, each step edited in place in the same message.
    const book = await command(member, 'book', '', 'Europe/Berlin');
    await click(member, book, 'Tue 8 Jan');
    expect(textOf(blocksOf(book))).toContain('10:00');
    await click(member, book, '10:00');
    expect(textOf(blocksOf(book))).toContain('Confirm');
    await click(member, book, 'Confirm booking');
    expect(textOf(blocksOf(book))).toContain('Booked');
    const sessions = await h.db.session.findMany({ where: { coachId: coach.id, status: 'scheduled' } });
    expect(sessions).toHaveLength(1);
    const session = sessions[0]!;

    // The jobs deliver the coach's confirmation DM (the member's is the "Booked" answer, not sent
    // again) and, an hour before, the reminder through the Slack ChatPort.
    const account = (await h.core.chat.account({ platform: 'slack', scope: app.teamId, platformUserId: member.userId }))!;
    const jobs = await testWorkers({ db: h.db, clock: h.clock, ports: [app.adapter.port], present: bot.present });
    after = app.fake.calls.length;
    await jobs.relay();
    await sent(jobs, coach.id, 'booking.confirmed');
    await nextPost(coachUser, after, 'New session booked');
    expect(await h.db.notification.count({ where: { userId: account.userId, type: 'booking.confirmed' } })).toBe(0);

    // Reminder with its answers; Confirm answers with an ephemeral line.
    after = app.fake.calls.length;
    h.clock.set(new Date(session.scheduledAt.getTime() - 60 * 60_000));
    await jobs.tick();
    await sent(jobs, account.userId, 'session.reminder');
    const reminder = await nextPost(member, after, "Can't make it");
    expect(textOf(blocksOf(reminder))).toContain("Can't make it");
    const ephemeralBefore = app.fake.responses.length;
    await click(member, reminder, 'Confirm');
    expect(app.fake.responses.slice(ephemeralBefore).map((r) => JSON.stringify(r.body)).join()).toContain('See you');

    // Coach: session card -> Complete (a modal) -> completed.
    h.clock.set(new Date(session.scheduledAt.getTime() + 30 * 60_000));
    const today = await command(coachUser, 'today', '', 'Mia');
    await click(coachUser, today, 'Mia');
    expect(textOf(blocksOf(today))).toContain('Session with Mia');
    const modals = app.fake.callsOf('views.open').length;
    await click(coachUser, today, 'Complete');
    const completeForm = await app.fake.waitForCall('views.open', (c) => app.fake.callsOf('views.open').indexOf(c) >= modals);
    await submitForm(coachUser, { notes: 'Worked on pacing', outcomes: 'Faster 5k' }, completeForm);
    expect((await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).status).toBe('completed');

    // Rate: the prompt the jobs send after the completion, five stars, then the optional feedback modal.
    after = app.fake.calls.length;
    h.clock.set(new Date(session.scheduledAt.getTime() + 61 * 60_000));
    await jobs.tick();
    await sent(jobs, account.userId, 'session.completed');
    const prompt = await nextPost(member, after, '★★★★★');
    const rateModals = app.fake.callsOf('views.open').length;
    await click(member, prompt, '★★★★★');
    const rateForm = await app.fake.waitForCall('views.open', (c) => app.fake.callsOf('views.open').indexOf(c) >= rateModals);
    await submitForm(member, { feedback: 'Great session' }, rateForm);
    const rated = await h.db.session.findUniqueOrThrow({ where: { id: session.id } });
    expect(rated.rating).toBe(5);
    expect(rated.ratingFeedback).toBe('Great session');
    h.clock.set(TEST_EPOCH);
  });

  it('a signup refused for its time zone keeps the modal open with every answer and the field error', async () => {
    const typo: SlackActor = { teamId: app.teamId, userId: 'U0TYPO0001' };
    const opened = await openSignup(typo, 'Coach Carla');
    const refused = await app.send(viewSubmission(typo, opened.args as { view: Record<string, unknown> }, { name: 'Tia', goals: 'Row', timezone: 'Europe/Berln' }));
    await app.adapter.idle();
    const answer = JSON.parse(refused.body) as { response_action: string; errors: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors)).toEqual(['timezone']);
    expect(answer.errors.timezone).toMatch(/time zone/i);
    const account = () => h.core.chat.account({ platform: 'slack', scope: app.teamId, platformUserId: typo.userId });
    expect(await account()).toBeNull();
    // The same modal, corrected: Slack sends every answer again.
    const after = app.fake.calls.length;
    await submitForm(typo, { name: 'Tia', goals: 'Row', timezone: 'Europe/Berlin' }, opened);
    await nextPost(typo, after, 'Welcome, Tia!');
    expect(await account()).toMatchObject({ timezone: 'Europe/Berlin' });
  });

  it('a refusal later than the ack comes as a message whose button opens the form again filled in', async () => {
    const late = await startSlackApp({ handle: (inbound) => bot.handle(inbound) }, { submissionBudgetMs: 0 }, app.fake);
    try {
      const slow: SlackActor = { teamId: app.teamId, userId: 'U0SLOW0001' };
      const opened = await openSignup(slow, 'Coach Carla');
      const after = app.fake.calls.length;
      const acked = await late.send(viewSubmission(slow, opened.args as { view: Record<string, unknown> }, { name: 'Sal', goals: '', timezone: 'Nowhere/Land' }));
      expect(acked.body).toBe('');
      await late.adapter.idle();
      const notice = await app.fake.waitForCall('chat.postEphemeral', (c) => app.fake.calls.indexOf(c) >= after && c.args.user === slow.userId);
      expect(textOf(notice.args.blocks as any[])).toMatch(/time zone/i);
      const reopenedBefore = app.fake.callsOf('views.open').length;
      const res = await late.send(blockAction(slow, tokenFor(notice.args.blocks as any[], 'Fix it'), 'home'));
      expect(res.status).toBe(200);
      await late.adapter.idle();
      const reopened = await app.fake.waitForCall('views.open', (c) => app.fake.callsOf('views.open').indexOf(c) >= reopenedBefore);
      expect(JSON.stringify(reopened.args.view)).toContain('Nowhere/Land');
      expect(JSON.stringify(reopened.args.view)).toContain('Sal');
    } finally {
      await late.close();
    }
  });

  it('a double click and a redelivered click on Confirm book once', async () => {
    const other: SlackActor = { teamId: app.teamId, userId: 'U0DOUBLE01' };
    const opened = await openSignup(other, 'Coach Carla');
    await submitForm(other, { name: 'Dora', goals: '', timezone: 'UTC' }, opened);
    const book = await command(other, 'book', '', 'Tue 8 Jan');
    await click(other, book, 'Tue 8 Jan');
    await click(other, book, '11:00');
    const confirm = tokenFor(blocksOf(book), 'Confirm booking');
    // Two clicks (two action_ts), and the first delivered twice.
    const first = blockAction(other, confirm, book, { actionTs: '1800000000.000001' });
    const second = blockAction(other, confirm, book, { actionTs: '1800000000.000002' });
    const answers = await Promise.all([app.send(first), app.send(second), app.send(first)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await app.adapter.idle();
    const account = (await h.core.chat.account({ platform: 'slack', scope: app.teamId, platformUserId: other.userId }))!;
    const theirs = await h.db.session.count({ where: { member: { userId: account.userId } } });
    expect(theirs).toBe(1);
  });
});

describe('Slack App Home and notification text', () => {
  it("a name cannot ping a channel from the notification text; the Home tab shows a member's next session and a coach's day", async () => {
    const hana = await makeCoach(h.db, { name: 'Coach Hana', coachTimezone: 'UTC', timezone: 'UTC' });
    await h.core.availability.create(await actorOf(h.db, hana), { dayOfWeek: 3, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1, bufferMinutes: 0 });
    const hanaUser: SlackActor = { teamId: app.teamId, userId: 'U0HANA0001' };
    await h.core.chat.ensureLink(hana.id, { platform: 'slack', scope: app.teamId, platformUserId: hanaUser.userId });
    const mallory: SlackActor = { teamId: app.teamId, userId: 'U0MALLORY1' };
    const opened = await openSignup(mallory, 'Coach Hana');
    const after = app.fake.calls.length;
    await submitForm(mallory, { name: '<!channel> <https://evil.test|click>', goals: '', timezone: 'UTC' }, opened);
    const welcome = await app.fake.waitForCall('chat.postMessage', (c) => app.fake.calls.indexOf(c) >= after && textOf(c.args.blocks as any[]).includes('Welcome'));
    expect(welcome.args.text).toBe('Welcome, &lt;!channel&gt; &lt;https://evil.test|click&gt;!');

    const book = await command(mallory, 'book', '', 'Wed 9 Jan');
    await click(mallory, book, 'Wed 9 Jan');
    await click(mallory, book, '10:00');
    await click(mallory, book, 'Confirm booking');
    expect(textOf(blocksOf(book))).toContain('Booked');

    const home = async (actor: SlackActor) => {
      const published = app.fake.callsOf('views.publish').length;
      expect((await app.send(eventCallback(actor, homeOpened(actor)))).status).toBe(200);
      const call = await app.fake.waitForCall('views.publish', (c) => app.fake.callsOf('views.publish').indexOf(c) >= published && c.args.user_id === actor.userId);
      return (call.args.view as { blocks: any[] }).blocks;
    };
    const memberHome = await home(mallory);
    expect(textOf(memberHome)).toContain('Your next session is');
    expect(textOf(memberHome)).toContain('Wed 9 Jan');
    expect(tokenFor(memberHome, 'My sessions')).toMatch(/^ms\./);
    const coachHome = await home(hanaUser);
    expect(textOf(coachHome)).toContain('Today and this week');
    expect(textOf(coachHome)).toContain('https://evil.test|click');
  });
});

describe('lists kept current', () => {
  it('a typed /sessions is edited when an admin cancels the session through the API: the session is gone', async () => {
    h.clock.set(TEST_EPOCH);
    const account = (await h.core.chat.account({ platform: 'slack', scope: app.teamId, platformUserId: member.userId }))!;
    const booking = await h.core.bookings.create(await actorOf(h.db, { id: account.userId }), { memberId: account.memberId!, coachId: coach.id, requestedDate: '2030-01-15', requestedTime: '11:00' }, 'slack-typed-list');
    const list = await command(member, 'sessions', '', 'Your upcoming sessions');
    expect(textOf(blocksOf(list))).toContain('Tue 15 Jan');
    const jobs = await testWorkers({ db: h.db, clock: h.clock, ports: [app.adapter.port], present: bot.present, redraw: bot.redraw });
    const edited = app.fake.waitForCall('chat.update', (c) => c.args.channel === list.channel && c.args.ts === list.ts);
    await h.core.sessions.cancel(await actorOf(h.db, await makeAdmin(h.db)), booking.sessionId!, {});
    await jobs.relay();
    await edited;
    expect(textOf(blocksOf(list))).not.toContain('Tue 15 Jan');
  });
});

describe('a freshly started process', () => {
  it('acknowledges its first interaction while the booking it starts waits on a coach lock the test holds', async () => {
    const fresh: SlackActor = { teamId: app.teamId, userId: 'U0FRESH001' };
    const opened = await openSignup(fresh, 'Coach Carla');
    await submitForm(fresh, { name: 'Fred', goals: '', timezone: 'UTC' }, opened);
    const book = await command(fresh, 'book', '', 'Tue 8 Jan');
    await click(fresh, book, 'Tue 8 Jan');
    await click(fresh, book, '10:00');
    const confirm = tokenFor(blocksOf(book), 'Confirm booking');

    // A second adapter process-state, started now: the click is the first request it ever sees.
    const second = await startSlackApp({ handle: (inbound) => bot.handle(inbound) }, {}, app.fake);
    const locker = new pg.Client({ connectionString: h.databaseUrl });
    await locker.connect();
    try {
      await locker.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [`coach:${coach.id}`]);
      const answer = await second.send(blockAction(fresh, confirm, book));
      // Answered although the booking cannot finish until the lock below is released.
      expect(answer.status).toBe(200);
      expect(textOf(blocksOf(book))).not.toContain('Booked');
      await locker.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [`coach:${coach.id}`]);
      await second.adapter.idle();
      expect(textOf(blocksOf(book))).toMatch(/Booked|full/);
    } finally {
      await locker.end();
      await second.close();
    }
  });
});
