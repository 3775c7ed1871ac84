import { afterAll, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../../src/bot/index.ts';
import { setupCore, TEST_EPOCH } from '../../helpers/core.ts';
import { actorOf, makeCoach, makeMember } from '../../helpers/factories.ts';
import type { SentMessage } from '../../fakes/telegram.ts';
import { callbackUpdate, messageUpdate, startTelegramHarness, type TelegramPerson } from './harness.ts';

// "Cancel this and all later ones" over the wire (docs/design.md §9): Telegram updates posted to
// the real webhook receiver, Telegraf talking to the fake Bot API, the real bot over core and
// PostgreSQL. The member's /sessions message becomes the choice, the confirmation with its dates,
// then the list again, edited in place, every button's callback_data within Telegram's 64 bytes.

const t = await setupCore();
const h = await startTelegramHarness({ bot: { handle: (inbound) => bot.handle(inbound), sent: (inbound, effect, ref) => bot.sent(inbound, effect, ref) } });
const bot: Bot = createBot({ core: t.core, clock: t.clock, actionSecret: 'telegram-series-secret', ports: { telegram: h.adapter.port } });
const scope = String(h.fake.botId);
afterAll(async () => h.close());

const ann: TelegramPerson = { id: 7101, first_name: 'Ann' };

function lastIn(chatId: number): SentMessage {
  const newest = [...h.fake.messages.values()].filter((m) => m.chatId === String(chatId)).sort((a, b) => a.messageId - b.messageId).at(-1);
  if (!newest) throw new Error('no message');
  return newest;
}

function buttonsOf(message: SentMessage): { text: string; callback_data: string }[] {
  return (message.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard.flat() ?? [];
}

async function tap(label: string, message: SentMessage): Promise<void> {
  const found = buttonsOf(message).find((b) => b.text.includes(label));
  if (!found) throw new Error(`no button "${label}" under: ${message.text}`);
  await h.deliver(callbackUpdate(ann, found.callback_data, message.messageId));
}

describe('Telegram: cancel this and all later ones', () => {
  it('from /sessions: choice, confirmation with the count and dates, the later sessions cancelled, the list redrawn in the same message', async () => {
    t.clock.set(TEST_EPOCH);
    const coach = await makeCoach(t.db, { name: 'Coach Weekly', coachTimezone: 'Europe/Berlin', timezone: 'Europe/Berlin' });
    await t.core.availability.create(await actorOf(t.db, coach), { dayOfWeek: 2, startTime: '10:00', endTime: '12:00', bufferMinutes: 0, maxSessionsPerSlot: 2 });
    const member = await makeMember(t.db, { coachId: coach.id, timezone: 'Europe/Berlin' });
    await t.core.chat.ensureLink(member.id, { platform: 'telegram', scope, platformUserId: String(ann.id), dmChannelId: String(ann.id) });
    const series = await t.core.bookingSeries.create(await actorOf(t.db, member), { coachId: coach.id, startsAt: '2030-01-08T09:00:00Z', count: 6 }, 'tg-series-cancel');
    expect(series.booked).toBe(6);

    await h.deliver(messageUpdate(ann, '/sessions'));
    const list = lastIn(ann.id);
    expect(list.text).toContain('Your upcoming sessions');
    await tap('Cancel Tue 15 Jan', list);

    const choice = h.fake.messages.get(`${ann.id}/${list.messageId}`)!;
    expect(choice.text).toContain('2 of 6 in a weekly series');
    expect(buttonsOf(choice).map((b) => b.text)).toEqual(['Cancel this session', 'Cancel this and all later ones (5 sessions)', 'Keep it']);
    await tap('Cancel this and all later ones', choice);

    const confirmation = h.fake.messages.get(`${ann.id}/${list.messageId}`)!;
    expect(confirmation.text).toContain('Cancel 5 sessions?');
    for (const day of ['15 Jan', '22 Jan', '29 Jan', '5 Feb', '12 Feb']) expect(confirmation.text).toContain(`${day} 2030, 10:00`);
    for (const b of [...buttonsOf(choice), ...buttonsOf(confirmation)]) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
    const yes = buttonsOf(confirmation).find((b) => b.text === 'Yes, cancel 5 sessions')!;
    // A double tap: two callback queries with the same data, at once.
    await Promise.all([h.post(callbackUpdate(ann, yes.callback_data, list.messageId)), h.post(callbackUpdate(ann, yes.callback_data, list.messageId))]);
    await h.adapter.idle();

    const sessions = await t.db.session.findMany({ where: { seriesId: series.id }, orderBy: { seriesPosition: 'asc' } });
    expect(sessions.map((s) => s.status)).toEqual(['scheduled', 'cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(await t.db.notification.count({ where: { type: 'session.cancelled', userId: coach.id } })).toBe(5);
    const after = h.fake.messages.get(`${ann.id}/${list.messageId}`)!;
    expect(after.text).toContain('Cancelled 5 sessions');
    expect(after.text).toContain('Your upcoming sessions');
    expect(buttonsOf(after).map((b) => b.text).filter((b) => b.startsWith('Cancel'))).toEqual(['Cancel Tue 8 Jan 2030, 10:00–11:00']);
  });
});
