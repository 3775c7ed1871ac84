import { describe, expect, it } from 'vitest';
import type { Notice } from '../../src/bot/index.ts';
import { actorOf } from '../helpers/factories.ts';
import { actionsOf, coachWithHours, linkedMember, linkedUser, setupBot, viewText } from './harness.ts';

const h = await setupBot();

async function noticesOf(userId: string, type: string): Promise<Notice[]> {
  const rows = await h.db.notification.findMany({ where: { userId, type }, orderBy: { deliverAfter: 'asc' } });
  return rows.map((r) => ({ id: r.id, userId: r.userId, type: r.type, payload: r.payload as Record<string, unknown> }));
}

/** A reminder or prompt as the jobs derive it from the sessions table when it falls due. */
function derived(userId: string, type: string, sessionId: string, extra: Record<string, unknown> = {}): Notice {
  return { id: `${type}-${sessionId}-${userId}`, userId, type, payload: { sessionId, ...extra } };
}

async function booked(dayLabel: string, dayOfWeek: number) {
  const coach = await coachWithHours(h, { name: `Coach ${dayOfWeek}`, windows: [{ dayOfWeek, startTime: '09:00', endTime: '10:00', maxSessionsPerSlot: 1 }] });
  const m = await linkedMember(h, coach.id, { timezone: 'Asia/Kolkata' });
  await m.chatter.command('book');
  await m.chatter.click(dayLabel);
  await m.chatter.click('14:30');
  await m.chatter.click('Confirm booking');
  const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
  return { coach, ...m, session };
}

describe('the Presenter: notices as their recipient reads them', () => {
  it("booking confirmed for both parties; a reminder's Can't make it asks first, then cancels and frees the seat", async () => {
    const { coach, member, chatter, session } = await booked('Tue 8 Jan', 2);
    // The member booked, so only the coach was told; the member's copy (when an admin books for them) reads in their zone.
    expect(await noticesOf(member.id, 'booking.confirmed')).toEqual([]);
    const [coachBooked] = await noticesOf(coach.id, 'booking.confirmed');
    const view = await h.bot.present({ ...coachBooked!, userId: member.id }, { ...chatter.user });
    expect(viewText(view)).toContain('14:30–15:30 (Asia/Kolkata)');
    expect(actionsOf(await h.bot.present(coachBooked!, { platform: 'web', scope: 'local', platformUserId: 'coach' })).map((a) => a.label)).toEqual(['Open session card']);

    const reminder = derived(member.id, 'session.reminder', session.id, { minutesBefore: 60 });
    const reminderView = await h.bot.present(reminder, chatter.user);
    expect(actionsOf(reminderView).map((a) => a.label)).toEqual(['Confirm', 'Reschedule', "Can't make it"]);
    await chatter.click('Confirm', { ref: { platform: 'web', channelId: 'dm', messageId: 'reminder-1' }, view: reminderView });
    expect(chatter.lastNotice).toMatch(/See you in/);
    await chatter.click("Can't make it", { ref: { platform: 'web', channelId: 'dm', messageId: 'reminder-1' }, view: reminderView });
    expect(chatter.text()).toContain('Cancel this session?');
    expect(await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ status: 'scheduled' });
    await chatter.click('Keep it');
    expect(chatter.text()).toContain('See you in');
    expect(actionsOf(chatter.current()!.view).map((a) => a.label)).toEqual(['Confirm', 'Reschedule', "Can't make it"]);
    expect(await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ status: 'scheduled' });
    await chatter.click("Can't make it");
    await chatter.click('Yes, cancel it');
    expect(chatter.text()).toContain('Session cancelled');
    expect(await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ status: 'cancelled' });
    const other = await linkedMember(h, coach.id);
    await other.chatter.command('book');
    await other.chatter.click('Tue 8 Jan');
    expect(other.chatter.text()).toContain('09:00 · 1 left');
  });

  it('the coach complete-prompt offers Complete and No-show; the member rate-prompt offers 1–5, signed for them only', async () => {
    const { coach, member, chatter, session } = await booked('Wed 9 Jan', 3);
    h.clock.set(new Date(session.scheduledAt.getTime() + 61 * 60_000));
    const coachChat = await linkedUser(h, coach.id);
    const rate = derived(member.id, 'session.rate_prompt', session.id);
    const prompt = derived(coach.id, 'session.complete_prompt', session.id);
    const promptView = await h.bot.present(prompt, coachChat.user);
    expect(actionsOf(promptView).map((a) => a.label)).toEqual(['Complete', 'No-show']);
    await coachChat.click('Complete', { ref: { platform: 'web', channelId: 'dm', messageId: 'prompt-1' }, view: promptView });
    await coachChat.submit({ notes: 'Done', outcomes: '' });
    const rateView = await h.bot.present(rate, chatter.user);
    expect(actionsOf(rateView).map((a) => a.label)).toEqual(['★', '★★', '★★★', '★★★★', '★★★★★']);
    await coachChat.click('★★★', { ref: { platform: 'web', channelId: 'dm', messageId: 'rate-1' }, view: rateView });
    expect(coachChat.lastNotice).toMatch(/not valid for you/);
    await chatter.click('★★★', { ref: { platform: 'web', channelId: 'dm', messageId: 'rate-1' }, view: rateView });
    await chatter.submit({ feedback: '' });
    expect(await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ status: 'completed', rating: 3 });
    expect(await actorOf(h.db, coach)).toBeTruthy();
    h.clock.set(new Date('2030-01-07T09:00:00Z'));
  });

  it('a stale slot button re-checks and redraws the day with the full-slot message', async () => {
    const coach = await coachWithHours(h, { name: 'Stale Stan', windows: [{ dayOfWeek: 4, startTime: '09:00', endTime: '10:00', maxSessionsPerSlot: 1 }] });
    const a = await linkedMember(h, coach.id);
    const b = await linkedMember(h, coach.id);
    await a.chatter.command('book');
    await a.chatter.click('Thu 10 Jan');
    const stale = a.chatter.current()!;
    await b.chatter.command('book');
    await b.chatter.click('Thu 10 Jan');
    await b.chatter.click('09:00');
    await b.chatter.click('Confirm booking');
    await a.chatter.click('09:00', stale);
    expect(a.chatter.text()).toContain('This slot is now full, please choose another');
    expect(a.chatter.text()).not.toContain('Confirm booking');
  });
});
