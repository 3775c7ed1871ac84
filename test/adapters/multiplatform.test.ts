import { afterAll, describe, expect, it } from 'vitest';
import { writeNotifications } from '../../src/core/notifications/index.ts';
import type { RunningWorkers } from '../../src/jobs/index.ts';
import { actorOf, makeCoach } from '../helpers/factories.ts';
import { testWorkers, untilSettled } from '../jobs/harness.ts';
import { DiscordUser, setupDiscord } from './discord/harness.ts';
import { callbackUpdate, messageUpdate, startTelegramHarness, type TelegramPerson } from './telegram/harness.ts';

// Issue 32: one member on two platforms. One bot and one core serve Discord (signed interactions
// to the real endpoint, REST faked at the wire) and Telegram (updates to the real webhook, the
// fake Bot API); the jobs deliver through both adapters' ChatPorts with the bot's Presenter.
// Notices go to the preferred platform, else the one last used; when delivery there fails for good
// (Telegram answering 403 "blocked") the next linked platform gets them, and the member is told
// there once why. Every notice reaches the member exactly once, whatever the number of platforms.

const h = await setupDiscord();
const tg = await startTelegramHarness({ bot: { handle: (inbound) => h.bot.handle(inbound), sent: (inbound, effect, ref) => h.bot.sent(inbound, effect, ref) } });
h.ports.telegram = tg.adapter.port;
afterAll(async () => tg.close());

let nextDiscordUser = 420000000000000000n;
let nextTelegramUser = 8100;

async function coachWithHours(name: string) {
  const coach = await makeCoach(h.db, { name, coachTimezone: 'UTC', timezone: 'UTC' });
  // Tuesdays 09:00-12:00 UTC.
  await h.core.availability.create(await actorOf(h.db, coach), { dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1, bufferMinutes: 0 });
  return coach;
}

/** A member who signed up on Discord and then linked Telegram with a code: one person, two chats. */
async function twoPlatformMember(coachName: string) {
  const discord = new DiscordUser(h, String(++nextDiscordUser));
  await discord.command('signup');
  await discord.clickForForm(coachName);
  await discord.submit({ name: 'Pia', goals: 'Sleep better', timezone: 'UTC' });
  expect(discord.last?.content).toContain('Welcome, Pia!');
  const identity = await h.db.chatIdentity.findFirstOrThrow({ where: { platform: 'discord', platformUserId: discord.userId } });
  const userId = identity.userId;
  const person: TelegramPerson = { id: ++nextTelegramUser, first_name: 'Pia' };
  const { code } = await h.core.links.issue(await actorOf(h.db, { id: userId }), userId);
  await tg.deliver(messageUpdate(person, `/link ${code}`));
  expect(telegramChat(person).at(-1)?.text).toContain('This Telegram account is now linked to Pia');
  return { userId, discord, person };
}

/** The messages in a Telegram chat, oldest first. */
function telegramChat(person: TelegramPerson) {
  return [...tg.fake.messages.values()].filter((m) => m.chatId === String(person.id)).sort((a, b) => a.messageId - b.messageId);
}

/** The messages in a user's Discord DM: the channel they wrote from, or the one the port opened (the fake names both after the user). */
function discordDms(user: DiscordUser) {
  return [...h.fake.messages.values()].filter((m) => m.channel_id === `9${user.userId.slice(1)}` || m.channel_id === user.where.channelId);
}

const texts = (messages: { content?: unknown; text?: unknown }[]) => messages.map((m) => String(m.content ?? m.text ?? ''));

let workers: RunningWorkers | undefined;
async function jobs(): Promise<RunningWorkers> {
  workers ??= await testWorkers({
    db: h.db,
    clock: h.clock,
    ports: [h.adapter.port, tg.adapter.port],
    present: h.bot.present,
    redraw: h.bot.redraw,
    keepNotice: h.bot.keepNotice,
  });
  return workers;
}

let noticeCount = 0;
/** One outbox notification for the user, delivered (or failed) by the jobs before this returns. */
async function notify(userId: string): Promise<{ id: string; status: string; failureReason: string | null }> {
  const dedupeKey = `multiplatform:${++noticeCount}:${userId}`;
  // A type of no particular meaning: the Presenter draws it as a general "Update" (UPDATE below).
  await writeNotifications(h.db, [{ userId, type: 'test.update' as 'member.assigned', payload: { n: noticeCount }, dedupeKey }]);
  const w = await jobs();
  await w.relay();
  const row = () => h.db.notification.findUniqueOrThrow({ where: { dedupeKey }, select: { id: true, status: true, failureReason: true } });
  await untilSettled(w, async () => ['sent', 'failed', 'skipped'].includes((await row()).status));
  return row();
}

const UPDATE = 'Something changed in your sessions';

describe('one member on Discord and Telegram', () => {
  it('notices go where they last wrote, then where they chose; a blocked bot moves them to the next platform, told once why; each notice arrives once', async () => {
    await coachWithHours('Coach Multi');
    const { userId, discord, person } = await twoPlatformMember('Coach Multi');
    const sendsToTelegram = () => tg.fake.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === String(person.id)).length;

    // 1. The last platform used (Telegram, where the code was sent) gets the notice.
    expect((await notify(userId)).status).toBe('sent');
    expect(texts(telegramChat(person)).filter((t) => t.includes(UPDATE))).toHaveLength(1);
    expect(texts(discordDms(discord)).filter((t) => t.includes(UPDATE))).toHaveLength(0);

    // 2. `/notify here` on Discord: Discord it is, even after writing on Telegram again.
    await discord.command('notify', 'here');
    expect(discord.last?.content).toContain('notices come here, to Discord');
    await tg.deliver(messageUpdate(person, '/help'));
    await notify(userId);
    expect(texts(discordDms(discord)).filter((t) => t.includes(UPDATE))).toHaveLength(1);
    expect(texts(telegramChat(person)).filter((t) => t.includes(UPDATE))).toHaveLength(1);

    // 3. `/notify here` on Telegram, then the member blocks the bot there: Telegram answers 403,
    // and the notice goes to Discord with, once, why.
    await tg.deliver(messageUpdate(person, '/notify here'));
    expect(telegramChat(person).at(-1)?.text).toContain('notices come here, to Telegram');
    tg.fake.blockedChats.add(String(person.id));
    const before = sendsToTelegram();
    const third = await notify(userId);
    expect(third.status).toBe('sent');
    expect(sendsToTelegram()).toBe(before + 1);
    const dms = texts(discordDms(discord));
    expect(dms.filter((t) => t.includes(UPDATE))).toHaveLength(2);
    const told = dms.filter((t) => t.includes('Your notices come here, to Discord, now'));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('I could not reach you on Telegram');
    expect(told[0]).toContain('blocked');
    const admin = await actorOf(h.db, { id: userId });
    const identities = await h.core.links.listIdentities(admin, userId);
    expect(identities.map((i) => [i.platform, i.receivesNotices, i.unreachableAt !== null])).toEqual(
      expect.arrayContaining([['discord', true, false], ['telegram', false, true]]),
    );

    // 4. The next notice goes straight to Discord: Telegram is not tried again, nor is the member told twice.
    await notify(userId);
    expect(sendsToTelegram()).toBe(before + 1);
    expect(texts(discordDms(discord)).filter((t) => t.includes(UPDATE))).toHaveLength(3);
    expect(texts(discordDms(discord)).filter((t) => t.includes('Your notices come here'))).toHaveLength(1);

    // 5. Unblocked, the member writes on Telegram again: it is reachable, and preferred, once more.
    tg.fake.blockedChats.delete(String(person.id));
    await tg.deliver(messageUpdate(person, '/help'));
    await notify(userId);
    expect(texts(telegramChat(person)).filter((t) => t.includes(UPDATE))).toHaveLength(2);

    // Exactly once: five notices, five messages, across both platforms together.
    const everywhere = [...texts(telegramChat(person)), ...texts(discordDms(discord))].filter((t) => t.includes(UPDATE));
    expect(everywhere).toHaveLength(5);
  });

  it('every linked platform refusing for good fails the notice with each reason, and nothing is sent twice', async () => {
    await coachWithHours('Coach Refused');
    const { userId, discord, person } = await twoPlatformMember('Coach Refused');
    tg.fake.blockedChats.add(String(person.id));
    h.fake.fail('POST', /^\/channels\/\d+\/messages$/, 403, { code: 50007, message: 'Cannot send messages to this user' });
    const row = await notify(userId);
    expect(row.status).toBe('failed');
    expect(row.failureReason).toContain('blocked');
    expect(row.failureReason).toContain('50007');
    expect(texts(discordDms(discord)).filter((t) => t.includes(UPDATE))).toHaveLength(0);
    // Unreachable everywhere: the next notice is not tried at all, and says why.
    const next = await notify(userId);
    expect(next).toMatchObject({ status: 'failed' });
    expect(next.failureReason).toMatch(/^unreachable/);
    tg.fake.blockedChats.delete(String(person.id));
  });

  it("a reminder's buttons work on the platform it was sent to, and the change redraws the member's list on the other", async () => {
    h.clock.set(new Date('2030-01-07T09:00:00Z'));
    const coach = await coachWithHours('Coach Across');
    const { userId, discord, person } = await twoPlatformMember('Coach Across');
    // Booked and listed on Discord; the list is kept current there.
    await discord.command('book');
    await discord.click('Tue 8 Jan');
    await discord.click('10:00');
    await discord.click('Confirm booking');
    const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
    await discord.command('sessions');
    const list = [...h.fake.messages.values()].at(-1)!;
    expect(JSON.stringify(list.components)).toContain('Cancel Tue 8 Jan');
    // Notices go to Telegram by choice.
    await tg.deliver(messageUpdate(person, '/notify here'));

    // The reminder an hour before reaches Telegram; "Can't make it" there, confirmed, cancels.
    h.clock.set(new Date('2030-01-08T09:00:00Z'));
    const w = await jobs();
    await w.tick();
    await w.relay();
    await untilSettled(w, async () => (await h.db.notification.count({ where: { userId, type: 'session.reminder', status: 'sent' } })) > 0);
    const reminder = telegramChat(person).at(-1)!;
    expect(reminder.text).toContain('Reminder');
    expect(discordDms(discord).some((m) => String(m.content).includes('Reminder'))).toBe(false);
    const tap = async (label: string, message: typeof reminder) => {
      const buttons = (message.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat();
      const data = buttons.find((b) => b.text.includes(label))!.callback_data;
      await tg.deliver(callbackUpdate(person, data, message.messageId));
    };
    await tap("Can't make it", reminder);
    await tap('Yes, cancel it', tg.fake.messages.get(`${person.id}/${reminder.messageId}`)!);
    expect((await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).status).toBe('cancelled');

    // The Discord list, drawn before, now shows the truth.
    const now = JSON.stringify(h.fake.messages.get(list.id));
    expect(now).toContain('No sessions booked');
    expect(now).not.toContain('Cancel Tue 8 Jan');
    h.clock.set(new Date('2030-01-07T09:00:00Z'));
  });
});
