import { afterAll, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../../src/bot/index.ts';
import type { Recipient } from '../../../src/bot/port.ts';
import { setupCore, TEST_EPOCH } from '../../helpers/core.ts';
import { actorOf, makeAdmin, makeCoach, makeMember } from '../../helpers/factories.ts';
import type { SentMessage } from '../../fakes/telegram.ts';
import type { RunningWorkers } from '../../../src/jobs/index.ts';
import { testWorkers, untilSettled } from '../../jobs/harness.ts';
import { callbackUpdate, messageUpdate, startTelegramHarness, type TelegramPerson } from './harness.ts';

// End to end: Telegram updates posted to the real webhook receiver, Telegraf talking to the fake
// Bot API, the real bot over core and PostgreSQL. A member signs up, books, is reminded and rates;
// the coach opens the session card and completes it.

const t = await setupCore();
// The bot edits live messages through the adapter's port, and the adapter hands updates to the bot.
const h = await startTelegramHarness({ bot: { handle: (inbound) => bot.handle(inbound), sent: (inbound, effect, ref) => bot.sent(inbound, effect, ref) } });
/** The message in the member's chat (7001) that the jobs sent for a notice of `type`, once it is marked sent. */
async function delivered(jobs: RunningWorkers, userId: string, type: string): Promise<SentMessage> {
  await untilSettled(jobs, async () => (await t.db.notification.count({ where: { userId, type, status: 'sent' } })) > 0);
  const inChat = [...h.fake.messages.entries()].filter(([key]) => key.startsWith('7001/')).map(([, m]) => m);
  const message = inChat.at(-1);
  if (!message) throw new Error(`no message for ${type}`);
  return message;
}

const bot: Bot = createBot({ core: t.core, clock: t.clock, actionSecret: 'telegram-flows-secret', ports: { telegram: h.adapter.port } });
const scope = String(h.fake.botId);
afterAll(async () => h.close());

let callbackQueriesSent = 0;

/** One Telegram user, reading the chat as the fake Bot API holds it and tapping its buttons. */
class TelegramUser {
  constructor(readonly person: TelegramPerson) {}

  get recipient(): Recipient {
    return { platform: 'telegram', scope, platformUserId: String(this.person.id), dmChannelId: String(this.person.id) };
  }

  async say(text: string): Promise<void> {
    await h.deliver(messageUpdate(this.person, text));
  }

  /** The newest message in this user's chat. */
  last(): SentMessage {
    const mine = [...h.fake.messages.values()].filter((m) => m.chatId === String(this.person.id));
    const newest = mine.sort((a, b) => a.messageId - b.messageId).at(-1);
    if (!newest) throw new Error(`no message for ${this.person.first_name}`);
    return newest;
  }

  text(): string {
    return this.last().text;
  }

  buttonData(label: string | RegExp, message = this.last()): string {
    const buttons = (message.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard.flat() ?? [];
    const found = buttons.find((b) => (typeof label === 'string' ? b.text.includes(label) : label.test(b.text)));
    if (!found) throw new Error(`no button "${String(label)}" under: ${message.text}\nbuttons: ${buttons.map((b) => b.text).join(' | ')}`);
    return found.callback_data;
  }

  async tap(label: string | RegExp, message = this.last()): Promise<void> {
    callbackQueriesSent++;
    await h.deliver(callbackUpdate(this.person, this.buttonData(label, message), message.messageId));
  }

  lastAnswer(): string | undefined {
    return h.fake.callsOf('answerCallbackQuery').at(-1)?.payload.text as string | undefined;
  }
}

async function coachWithHours(name = 'Coach Carla') {
  const coach = await makeCoach(t.db, { name, coachTimezone: 'Europe/Berlin', timezone: 'Europe/Berlin' });
  const actor = await actorOf(t.db, coach);
  // Tuesdays 10:00-12:00 Berlin, two seats per slot.
  await t.core.availability.create(actor, { dayOfWeek: 2, startTime: '10:00', endTime: '12:00', bufferMinutes: 0, maxSessionsPerSlot: 2 });
  return coach;
}

describe('Telegram end to end', () => {
  it('member: signup (time zone asked) → book (double tap and redelivery book once) → confirmation → reminder → rate; coach: session card → complete', async () => {
    const coach = await coachWithHours();
    const mia = new TelegramUser({ id: 7001, first_name: 'Mia', last_name: 'Member' });

    // Signup: Telegram gives no time zone, so the signup form asks for it.
    await mia.say('/start');
    expect(mia.text()).toContain('Welcome to Coachbot');
    await mia.tap('Sign up');
    await mia.tap('Coach Carla');
    expect(mia.text()).toMatch(/Sign up: Your name/);
    await mia.say('Mia Member');
    expect(mia.text()).toMatch(/Your goals/);
    await mia.say('Run a marathon');
    expect(mia.text()).toMatch(/Your time zone/);
    await mia.say('Europe/Berlin');
    expect(mia.text()).toContain('Welcome, Mia Member!');
    expect(mia.text()).toContain('Your coach is Coach Carla');
    const identity = await t.db.chatIdentity.findFirstOrThrow({ where: { platform: 'telegram', scope, platformUserId: '7001' }, include: { user: true } });
    expect(identity.user).toMatchObject({ name: 'Mia Member', timezone: 'Europe/Berlin' });
    expect(identity.dmChannelId).toBe('7001');

    // Book: day → slot → confirm, in Berlin time; every button fits 64 bytes on the way.
    await mia.tap('Book a session');
    expect(mia.text()).toContain('Europe/Berlin');
    await mia.tap('Tue 8 Jan');
    await mia.tap('10:00');
    expect(mia.text()).toContain('Confirm your booking');
    const confirm = mia.last();
    const data = mia.buttonData('Confirm booking', confirm);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    // A double tap (two callback queries) and a redelivered update, all at once.
    const first = callbackUpdate(mia.person, data, confirm.messageId);
    const second = callbackUpdate(mia.person, data, confirm.messageId);
    const answered = h.fake.callsOf('answerCallbackQuery').length;
    await Promise.all([h.post(first), h.post(second), h.post(first)]);
    callbackQueriesSent += 2;
    await h.adapter.idle();
    expect(h.fake.callsOf('answerCallbackQuery').length - answered).toBe(2);
    const sessions = await t.db.session.findMany({ where: { coachId: coach.id } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.scheduledAt.toISOString()).toBe('2030-01-08T09:00:00.000Z');
    expect(h.fake.messages.get(`7001/${confirm.messageId}`)!.text).toContain('Booked');
    const session = sessions[0]!;

    // The "Booked" answer is Mia's confirmation: the coach is told, Mia is not told again.
    const jobs = await testWorkers({ db: t.db, clock: t.clock, ports: [h.adapter.port], present: bot.present });
    await jobs.relay();
    expect(await t.db.notification.findMany({ where: { type: 'booking.confirmed', payload: { path: ['sessionId'], equals: session.id } }, select: { userId: true } })).toEqual([{ userId: coach.id }]);
    // The jobs deliver, an hour before, the reminder through the Telegram ChatPort.
    t.clock.set(new Date('2030-01-08T08:00:00Z'));
    await jobs.tick();
    const reminder = await delivered(jobs, identity.userId, 'session.reminder');
    expect(reminder.text).toContain('Reminder: your session is in 60 minutes');
    await mia.tap('Confirm', reminder);
    expect(mia.lastAnswer()).toMatch(/^See you in /);

    // Coach: session card → Complete with notes, after the session.
    t.clock.set(new Date('2030-01-08T10:05:00Z'));
    const carla = new TelegramUser({ id: 8001, first_name: 'Carla' });
    await t.core.chat.ensureLink(coach.id, { platform: 'telegram', scope, platformUserId: '8001', dmChannelId: '8001' });
    await carla.say('/today');
    await carla.tap('Mia Member');
    expect(carla.text()).toContain('Session with Mia Member');
    await carla.tap('Complete');
    expect(carla.text()).toMatch(/Session notes/);
    await carla.say('Good progress on pacing.');
    await carla.say('-');
    // Commitments, one per line, asked one message at a time like the rest of the form.
    expect(carla.text()).toMatch(/Commitments, one per line/);
    await carla.say('Run 3x this week by 2030-01-15\nLog sleep');
    expect(carla.text()).toContain('completed');
    // The card was redrawn in place with them.
    const card = [...h.fake.messages.values()].filter((m) => m.chatId === '8001' && m.text.includes('Session with Mia Member')).at(-1);
    expect(card?.text).toContain('☐ Run 3x this week (due 2030-01-15)');
    expect(card?.text).toContain('☐ Log sleep');
    expect(await t.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ status: 'completed', coachNotes: 'Good progress on pacing.' });

    // Rate: the prompt the jobs send after completion, answered with stars and a skipped feedback.
    await jobs.tick();
    await mia.tap('★★★★★', await delivered(jobs, identity.userId, 'session.completed'));
    await mia.say('-');
    expect(mia.text()).toContain('Thank you');
    expect(await t.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ rating: 5 });
    // Every callback query got exactly one answer (the redelivered one was not handled again).
    const queries = new Set<string>();
    for (const call of h.fake.callsOf('answerCallbackQuery')) {
      expect(queries.has(String(call.payload.callback_query_id))).toBe(false);
      queries.add(String(call.payload.callback_query_id));
    }
    expect(queries.size).toBe(callbackQueriesSent);
  });

  it('a mistyped time zone at signup asks that one question again and keeps the other answers', async () => {
    await makeCoach(t.db, { name: 'Coach Tz' });
    const pia = new TelegramUser({ id: 7004, first_name: 'Pia' });
    await pia.say('/signup');
    await pia.tap('Coach Tz');
    await pia.say('Pia Typo');
    await pia.say('Swim');
    await pia.say('Europe/Berln');
    expect(pia.text()).toMatch(/time zone/i);
    expect(pia.text()).toContain('Now: Europe/Berln');
    expect(pia.text()).not.toMatch(/Your name/);
    await pia.say('Europe/Berlin');
    expect(pia.text()).toContain('Welcome, Pia Typo!');
    const user = await t.db.chatIdentity.findFirstOrThrow({ where: { platform: 'telegram', platformUserId: '7004' }, include: { user: { include: { memberProfile: true } } } });
    expect(user.user).toMatchObject({ name: 'Pia Typo', timezone: 'Europe/Berlin' });
    expect(user.user.memberProfile?.goals).toBe('Swim');
  });

  it('a coach\'s /invite deep link signs the member up with that coach; a forged one is refused and changes nothing', async () => {
    const dana = await makeCoach(t.db, { name: 'Coach Dana', coachTimezone: 'America/New_York', timezone: 'America/New_York' });
    await t.core.chat.ensureLink(dana.id, { platform: 'telegram', scope, platformUserId: '8002', dmChannelId: '8002' });
    const coach = new TelegramUser({ id: 8002, first_name: 'Dana' });
    await coach.say('/invite');
    const shared = /https:\/\/t\.me\/\S+/.exec(coach.text())?.[0];
    expect(shared).toBeDefined();
    const link = new URL(shared!);
    const noah = new TelegramUser({ id: 7002, first_name: 'Noah' });
    await noah.say(`/start ${link.searchParams.get('start')}`);
    expect(noah.text()).toMatch(/^Sign up: Your name/);
    await noah.say('Noah New');
    await noah.say('-');
    await noah.say('America/Chicago');
    expect(noah.text()).toContain('Your coach is Coach Dana');
    const member = await t.db.chatIdentity.findFirstOrThrow({ where: { platform: 'telegram', platformUserId: '7002' }, include: { user: { include: { memberProfile: true } } } });
    expect(member.user.memberProfile?.coachId).toBe(dana.id);
    expect(member.user.timezone).toBe('America/Chicago');

    const olga = new TelegramUser({ id: 7003, first_name: 'Olga' });
    const forged = `${link.searchParams.get('start')!.slice(0, -2)}xx`;
    await olga.say(`/start ${forged}`);
    expect(h.fake.callsOf('sendMessage').at(-2)!.payload.text).toMatch(/invite link is not valid/);
    expect(olga.text()).toContain('Welcome to Coachbot');
    expect(await t.db.chatIdentity.count({ where: { platform: 'telegram', platformUserId: '7003' } })).toBe(0);
  });

  it('a typed /sessions is kept current: an admin cancelling the session through the API edits the list, the session gone', async () => {
    t.clock.set(TEST_EPOCH);
    const coach = await coachWithHours('Coach Typed');
    const member = await makeMember(t.db, { coachId: coach.id, timezone: 'Europe/Berlin' });
    await t.core.chat.ensureLink(member.id, { platform: 'telegram', scope, platformUserId: '7005', dmChannelId: '7005' });
    const booking = await t.core.bookings.create(await actorOf(t.db, member), { memberId: member.memberId!, coachId: coach.id, requestedDate: '2030-01-08', requestedTime: '10:00' }, 'tg-typed-list');
    const ann = new TelegramUser({ id: 7005, first_name: 'Ann' });
    await ann.say('/sessions');
    const list = ann.last();
    expect(list.text).toContain('Your upcoming sessions');
    expect(ann.buttonData('Cancel Tue 8 Jan', list)).toBeTruthy();

    const jobs = await testWorkers({ db: t.db, clock: t.clock, ports: [h.adapter.port], present: bot.present, redraw: bot.redraw });
    await t.core.sessions.cancel(await actorOf(t.db, await makeAdmin(t.db)), booking.sessionId!, { reason: 'Studio closed' });
    await jobs.relay();
    await untilSettled(jobs, async () => (await t.db.notification.count({ where: { payload: { path: ['sessionId'], equals: booking.sessionId! }, status: { in: ['pending', 'sending'] } } })) === 0);

    const now = h.fake.messages.get(`7005/${list.messageId}`)!;
    expect(now.text).toContain('No sessions booked');
    expect(() => ann.buttonData('Cancel', now)).toThrow();
  });
});
