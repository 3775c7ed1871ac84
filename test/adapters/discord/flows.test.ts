import { InteractionResponseType, InteractionType } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { actorOf, makeAdmin, makeCoach, makeMember } from '../../helpers/factories.ts';
import type { RunningWorkers } from '../../../src/jobs/index.ts';
import { testWorkers, untilSettled } from '../../jobs/harness.ts';
import { DiscordUser, setupDiscord, type Shown } from './harness.ts';

// Feature: the Discord adapter end to end — signed interactions to the real endpoint, the real
// bot and core, and Discord's REST faked at the wire.

const h = await setupDiscord();

async function coachWithHours(name: string, dayOfWeek: number, seats = 1) {
  const coach = await makeCoach(h.db, { name, coachTimezone: 'UTC', timezone: 'UTC' });
  const actor = { userId: coach.id, role: 'Coach' as const, permissions: new Set<string>() };
  void actor;
  const account = await h.db.user.findUniqueOrThrow({ where: { id: coach.id }, include: { permissions: { include: { permission: true } } } });
  await h.core.availability.create(await actorOf(h.db, account), { dayOfWeek, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: seats, bufferMinutes: 0 });
  return coach;
}

/** The DM the jobs delivered for a user's notice of `type`, once it is marked sent. */
async function delivered(jobs: RunningWorkers, userId: string, type: string, to: DiscordUser): Promise<Shown> {
  const sent = () => h.db.notification.findFirst({ where: { userId, type, status: 'sent' }, orderBy: { createdAt: 'desc' } });
  await untilSettled(jobs, async () => (await sent()) !== null);
  const before = new Set(seenDms);
  // The DM channel: the one the member wrote from, or the one the port opened (the fake names both after the user).
  const message = [...h.fake.messages.values()].filter((m) => /^\d+$/.test(m.channel_id) && m.channel_id.endsWith(to.userId.slice(1)) && !before.has(m.id)).at(-1);
  if (!message) throw new Error(`no DM for ${type}`);
  seenDms.add(message.id);
  return { content: String(message.content), components: message.components as never, id: message.id, channelId: message.channel_id };
}
const seenDms = new Set<string>();

let nextUser = 310000000000000000n;
const newUser = () => new DiscordUser(h, String(++nextUser));

async function signUp(member: DiscordUser, coachName: string) {
  await member.command('signup');
  await member.clickForForm(coachName);
  await member.submit({ name: 'Dana', goals: 'Run 10k', timezone: 'UTC' });
  expect(member.last?.content).toContain('Welcome, Dana!');
}

async function book(member: DiscordUser, day: string, time: string) {
  await member.command('book');
  await member.click(day);
  await member.click(time);
  await member.click('Confirm booking');
}

describe('Discord: member and coach flows through signed interactions', () => {
  it('signup → book → confirmation DM → reminder → rate, and the coach completes from the session card', async () => {
    const coach = await coachWithHours('Coach Disco', 2);
    const member = newUser();
    await signUp(member, 'Coach Disco');

    await book(member, 'Tue 8 Jan', '10:00');
    expect(member.last?.content).toContain('Booked');
    const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id }, include: { member: true } });
    expect(session.scheduledAt.toISOString()).toBe('2030-01-08T10:00:00.000Z');

    // The "Booked" answer is the member's confirmation: only the coach is told. The jobs deliver,
    // an hour before, the reminder to the member's DMs through the Discord ChatPort, drawn by the
    // bot's Presenter.
    const jobs = await testWorkers({ db: h.db, clock: h.clock, ports: [h.adapter.port], present: h.bot.present });
    const memberUserId = session.member.userId;
    await jobs.relay();
    expect(await h.db.notification.findMany({ where: { type: 'booking.confirmed', payload: { path: ['sessionId'], equals: session.id } }, select: { userId: true } })).toEqual([{ userId: coach.id }]);
    h.clock.set(new Date('2030-01-08T09:00:00Z'));
    await jobs.tick();
    const reminder = await delivered(jobs, memberUserId, 'session.reminder', member);
    await member.click('Confirm', reminder);
    expect(member.lastNotice).toMatch(/see you/i);

    // The coach opens the session card from /today and completes it after the session.
    const coachUser = newUser();
    await h.core.chat.ensureLink(coach.id, { platform: 'discord', scope: h.fake.applicationId, platformUserId: coachUser.userId });
    h.clock.set(new Date('2030-01-08T11:05:00Z'));
    await coachUser.command('today');
    await coachUser.click('Dana');
    expect(coachUser.last?.content).toContain('Session with Dana');
    await coachUser.clickForForm('Complete');
    await coachUser.submit({ notes: 'Great pacing work', outcomes: 'Sub-60 10k plan' });
    expect(coachUser.last?.content).toContain('completed');
    expect(await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ status: 'completed', coachNotes: 'Great pacing work' });

    // The completion notice asks the member for a rating, delivered by the jobs and answered from the DM.
    await jobs.tick();
    await member.clickForForm('★★★★★', await delivered(jobs, memberUserId, 'session.completed', member));
    await member.submit({ feedback: 'Very helpful' });
    expect(await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ rating: 5, ratingFeedback: 'Very helpful' });
    h.clock.set(new Date('2030-01-07T09:00:00Z'));
  });

  it('the same interaction delivered twice and a double click book once', async () => {
    const coach = await coachWithHours('Coach Twice', 3, 3);
    const member = newUser();
    await signUp(member, 'Coach Twice');
    await member.command('book');
    await member.click('Wed 9 Jan');
    await member.click('09:00');
    const confirm = member.action('Confirm booking');
    const picker = member.last;
    const payload = member.interaction(InteractionType.MessageComponent, { custom_id: confirm, component_type: 2 }, picker);
    const [first, again] = await Promise.all([member.post(payload), member.post(payload)]);
    expect([first.status, again.status]).toEqual([200, 200]);
    // A second click is a new interaction with the same button.
    await member.send(member.interaction(InteractionType.MessageComponent, { custom_id: confirm, component_type: 2 }, picker), picker);
    await h.adapter.idle();
    expect(await h.db.session.count({ where: { coachId: coach.id } })).toBe(1);
  });

  it('a bad signature, a stale timestamp and a missing signature are refused with 401 and change nothing', async () => {
    const coach = await coachWithHours('Coach Guard', 4);
    const member = newUser();
    await signUp(member, 'Coach Guard');
    await member.command('book');
    await member.click('Thu 10 Jan');
    await member.click('09:00');
    const payload = member.interaction(InteractionType.MessageComponent, { custom_id: member.action('Confirm booking'), component_type: 2 }, member.last);
    const good = h.fake.sign(payload);

    const tampered = { body: good.body.replace('"type":3', '"type": 3'), headers: good.headers };
    expect((await member.post(payload, tampered)).status).toBe(401);
    const stale = h.fake.sign(payload, Math.floor(Date.now() / 1000) - 6 * 60);
    expect((await member.post(payload, stale)).status).toBe(401);
    const unsigned = { body: good.body, headers: { 'content-type': 'application/json' } };
    expect((await member.post(payload, unsigned)).status).toBe(401);
    await h.adapter.idle();
    expect(await h.db.session.count({ where: { coachId: coach.id } })).toBe(0);
  });

  it('answers a PING with a PONG, and malformed or unknown interactions with a clear message', async () => {
    const user = newUser();
    const ping = { id: '1', application_id: h.fake.applicationId, type: 1, token: 'x' };
    expect((await user.post(ping)).body).toEqual({ type: 1 });
    const malformed = await user.post({ hello: 'world' });
    expect(malformed.status).toBe(200);
    expect(malformed.body.data?.content).toMatch(/not understood/);
    const raw = h.fake.sign({});
    const notJson = await fetch(`${h.url}/discord/interactions`, { method: 'POST', headers: raw.headers, body: '{"a":' }).catch(() => null);
    expect(notJson?.status).toBe(401);
  });

  it('a signup refused for its time zone offers the form again with every answer, and the fix signs up', async () => {
    await makeCoach(h.db, { name: 'Coach Retry' });
    const member = newUser();
    await member.command('signup');
    await member.clickForForm('Coach Retry');
    await member.submit({ name: 'Rita', goals: 'Climb', timezone: 'Europe/Berln' });
    expect(member.last?.content).toMatch(/time zone/i);
    const modal = await member.clickForForm('Fix it');
    const values = Object.fromEntries(modal.components.map((r) => [r.components[0]!.custom_id, (r.components[0] as { value?: string }).value]));
    expect(values).toEqual({ name: 'Rita', goals: 'Climb', timezone: 'Europe/Berln' });
    await member.submit({ name: 'Rita', goals: 'Climb', timezone: 'Europe/Berlin' });
    expect(member.last?.content).toContain('Welcome, Rita!');
  });

  it('a click that opens no form is acknowledged at once and its answer edits the clicked message; one that opens a form still answers with it', async () => {
    // The default harness gives the bot 2.5 s to answer first: a click does not use it.
    const coach = await coachWithHours('Coach Quick', 2);
    const member = newUser();
    await signUp(member, 'Coach Quick');
    await member.command('book');
    const days = member.last!;
    const from = h.fake.calls.length;
    const body = await member.click('Tue 8 Jan', days);
    expect(body).toEqual({ type: InteractionResponseType.DeferredMessageUpdate });
    // The day's times replace the day picker in place, through the interaction's webhook.
    const edits = h.fake.calls.slice(from).filter((c) => c.method === 'PATCH' && /\/messages\/(@|%40)original$/.test(c.path));
    expect(edits).toHaveLength(1);
    expect(member.last).toMatchObject({ id: days.id });
    await member.click('10:00');
    await member.click('Confirm booking');
    expect(member.last?.content).toContain('Booked');
    expect(await h.db.session.count({ where: { coachId: coach.id } })).toBe(1);

    // A button that opens a form is answered by the form itself, drawn with the current values.
    await member.command('profile');
    const answer = await member.click('Edit');
    expect(answer.type).toBe(InteractionResponseType.Modal);
    expect(JSON.stringify(member.modal)).toContain('Dana');
  });

  it('with no answer budget at all, a button that opens a form answers with the modal itself, and the form works', async () => {
    const slow = await setupDiscord({ answerBudgetMs: 0 });
    await makeCoach(slow.db, { name: 'Coach Slow' });
    const member = new DiscordUser(slow, String(++nextUser));
    await member.command('signup');
    const picker = member.last;
    await member.click('Coach Slow');
    expect(member.modal?.custom_id).toBe(member.action('Coach Slow', picker));
    await member.submit({ name: 'Sol', goals: '', timezone: 'UTC' });
    expect(member.last?.content).toContain('Welcome, Sol!');

    // The form opened before the bot ran; the bot still judges its submit: signed up now, the
    // same choice again opens the form but signs nobody up twice.
    await member.click('Coach Slow', picker);
    expect(member.modal).toBeDefined();
    await member.submit({ name: 'Sol again', goals: '', timezone: 'UTC' });
    expect(member.lastNotice).toContain('You are already signed up');
    expect(await slow.db.user.count({ where: { name: { startsWith: 'Sol' } } })).toBe(1);

    // The profile form opens without the profile: what is left empty stays as it was.
    await member.command('profile');
    await member.click('Edit');
    await member.submit({ name: '', timezone: '', goals: 'Swim a mile' });
    const sol = await slow.db.user.findFirstOrThrow({ where: { name: { startsWith: 'Sol' } }, include: { memberProfile: true } });
    expect(sol).toMatchObject({ name: 'Sol', timezone: 'UTC', memberProfile: { goals: 'Swim a mile' } });

    // A button drawn for someone else opens nothing.
    const stranger = new DiscordUser(slow, String(++nextUser));
    await stranger.click('Coach Slow', picker);
    expect(stranger.modal).toBeUndefined();
    expect(stranger.lastNotice).toMatch(/not valid for you/);
  });

  it('with no answer budget, a refused form comes back as "Fix it", which opens it at once with every answer, and the fix signs up', async () => {
    const slow = await setupDiscord({ answerBudgetMs: 0 });
    await makeCoach(slow.db, { name: 'Coach Late' });
    const member = new DiscordUser(slow, String(++nextUser));
    await member.command('signup');
    await member.clickForForm('Coach Late');
    await member.submit({ name: 'Lea', goals: 'Run', timezone: 'Mars/Olympus' });
    expect(member.last?.content).toMatch(/time zone/i);
    // Answered after the budget, as a follow-up: a modal cannot be one, so the form is a button, and
    // that button opens the modal as its immediate answer (not a second "use the button").
    const modal = await member.clickForForm('Fix it');
    const values = Object.fromEntries(modal.components.map((r) => [r.components[0]!.custom_id, (r.components[0] as { value?: string }).value]));
    expect(values).toEqual({ name: 'Lea', goals: 'Run', timezone: 'Mars/Olympus' });
    await member.submit({ name: 'Lea', goals: 'Run', timezone: 'Europe/Oslo' });
    expect(member.last?.content).toContain('Welcome, Lea!');
    expect(await slow.db.user.count({ where: { name: 'Lea' } })).toBe(1);
  });

  it('with no answer budget, a form that edits a value opens without it, and leaving it empty keeps the value', async () => {
    const slow = await setupDiscord({ answerBudgetMs: 0 });
    const coach = await makeCoach(slow.db, { name: 'Coach Keep' });
    const dana = await makeMember(slow.db, { name: 'Dana Keep', coachId: coach.id });
    await slow.db.memberProfile.update({ where: { userId: dana.id }, data: { coachNotes: 'Knee injury in 2029' } });
    const coachUser = new DiscordUser(slow, String(++nextUser));
    await slow.core.chat.ensureLink(coach.id, { platform: 'discord', scope: slow.fake.applicationId, platformUserId: coachUser.userId });
    const notes = async () => (await slow.db.memberProfile.findUniqueOrThrow({ where: { userId: dana.id } })).coachNotes;

    await coachUser.command('member', 'Dana');
    const detail = coachUser.last;
    await coachUser.click('Edit notes', detail);
    const input = coachUser.modal?.components[0]?.components[0] as { value?: string; placeholder?: string } | undefined;
    expect(input?.value).toBeUndefined();
    expect(input?.placeholder).toMatch(/empty to keep/);
    await coachUser.submit({ notes: '' });
    expect(await notes()).toBe('Knee injury in 2029');

    await coachUser.click('Edit notes', detail);
    await coachUser.submit({ notes: 'Cleared to run' });
    expect(await notes()).toBe('Cleared to run');
  });

  it('a typed /sessions is kept current: an admin cancelling the session through the API edits it, the session gone', async () => {
    h.clock.set(new Date('2030-01-07T09:00:00Z'));
    const coach = await coachWithHours('Coach Typed', 2);
    const member = newUser();
    await signUp(member, 'Coach Typed');
    await book(member, 'Tue 8 Jan', '10:00');
    const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
    await member.command('sessions');
    // The list went out as the initial response, which Discord keeps as a message in the DM.
    const list = [...h.fake.messages.values()].at(-1)!;
    expect(JSON.stringify(list.components)).toContain('Cancel Tue 8 Jan');

    const jobs = await testWorkers({ db: h.db, clock: h.clock, ports: [h.adapter.port], present: h.bot.present, redraw: h.bot.redraw });
    await h.core.sessions.cancel(await actorOf(h.db, await makeAdmin(h.db)), session.id, {});
    await jobs.relay();
    await untilSettled(jobs, async () => (await h.db.notification.count({ where: { payload: { path: ['sessionId'], equals: session.id }, status: { in: ['pending', 'sending'] } } })) === 0);

    const now = JSON.stringify(h.fake.messages.get(list.id));
    expect(now).toContain('No sessions booked');
    expect(now).not.toContain('Cancel Tue 8 Jan');
  });
});
