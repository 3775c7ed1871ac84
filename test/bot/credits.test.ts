import { describe, expect, it } from 'vitest';
import { TEST_EPOCH } from '../helpers/core.ts';
import { coachWithHours, linkedMember, linkedUser, setupBot, viewText, type Chatter } from './harness.ts';

// Credits in the chat (docs/design.md §12): /credits, the balance on /next and the booking
// confirmation, the warning before a late cancellation, the coach's member card with Grant.

const h = await setupBot();
const HOUR = 3_600_000;

async function creditsCoach(dayOfWeek: number) {
  const coach = await coachWithHours(h, { windows: [{ dayOfWeek, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 2 }] });
  await h.core.coaches.updateProfile(coach.actor, coach.id, { requiresCredits: true });
  return coach;
}

async function book(chatter: Chatter, day: string) {
  await chatter.command('book');
  await chatter.click(day);
  await chatter.click(/^09:00/);
  await chatter.click('Confirm booking');
}

describe('credits in the chat', () => {
  it('/credits and /next show the balance; the confirmation shows what is left; without credits the member is told why', async () => {
    const coach = await creditsCoach(2);
    const { member, chatter } = await linkedMember(h, coach.id);
    await chatter.command('credits');
    expect(chatter.text()).toContain('No sessions left in your package');
    await book(chatter, 'Tue 8 Jan');
    expect(chatter.lastNotice).toContain('no sessions left in your package');
    await h.core.credits.grant(coach.actor, member.memberId!, { count: 10, validityDays: 55 });
    // A Confirm button answers as it first did (its key's answer): a fresh picker a minute on books.
    h.clock.set(new Date(TEST_EPOCH.getTime() + 60_000));
    await book(chatter, 'Tue 8 Jan');
    h.clock.set(TEST_EPOCH);
    expect(chatter.text()).toContain('Booked');
    expect(chatter.text()).toContain('9 of 10 sessions left · until 3 Mar');
    await chatter.command('next');
    expect(chatter.text()).toContain('9 of 10 sessions left · until 3 Mar');
    await chatter.command('credits');
    expect(chatter.text()).toContain('9 of 10 sessions left');
    expect(chatter.text()).toContain('1 held by upcoming session');
  });

  it('a member is warned before a late cancellation, and only then does it use a credit', async () => {
    const coach = await creditsCoach(3);
    const { member, chatter } = await linkedMember(h, coach.id);
    await h.core.credits.grant(coach.actor, member.memberId!, { count: 2 });
    await book(chatter, 'Wed 9 Jan');
    const session = await h.db.session.findFirstOrThrow({ where: { memberId: member.memberId! } });
    h.clock.set(new Date(session.scheduledAt.getTime() - 3 * HOUR));
    try {
      await chatter.command('sessions');
      await chatter.click('Cancel');
      // No form yet: the warning first.
      expect(chatter.lastForm).toBeUndefined();
      expect(chatter.text()).toContain('This is within 24 h of the session: it will use a session from your package.');
      await chatter.click('Cancel anyway');
      expect(chatter.lastForm?.title).toBe('Cancel session');
      await chatter.submit({ reason: 'Ill' });
      expect(chatter.text()).toContain('cancelled');
      expect(await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ status: 'cancelled', cancelledLate: true, cancellationReason: 'Ill' });
      const l = await h.core.credits.listLedger(coach.actor, member.memberId!);
      expect(l.entries.map((e) => e.kind)).toEqual(['consume', 'reserve', 'grant']);
    } finally {
      h.clock.set(TEST_EPOCH);
    }
  });

  it('a cancel form the platform opened at once (before any warning) is warned at submit, and nothing is cancelled yet', async () => {
    const coach = await creditsCoach(4);
    const { member, chatter } = await linkedMember(h, coach.id);
    await h.core.credits.grant(coach.actor, member.memberId!, { count: 1 });
    await book(chatter, 'Thu 10 Jan');
    await chatter.command('sessions');
    // Drawn before the cut-off: the Cancel button opens the form.
    await chatter.click('Cancel');
    expect(chatter.lastForm?.title).toBe('Cancel session');
    const session = await h.db.session.findFirstOrThrow({ where: { memberId: member.memberId! } });
    h.clock.set(new Date(session.scheduledAt.getTime() - 2 * HOUR));
    try {
      await chatter.submit({ reason: 'Late' });
      expect(chatter.text()).toContain('it will use a session from your package');
      expect((await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).status).toBe('scheduled');
      await chatter.click('Yes, cancel it');
      expect((await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).status).toBe('cancelled');
    } finally {
      h.clock.set(TEST_EPOCH);
    }
  });

  it("the coach's member card shows the credits and grants more; typed text that is not a number is refused naming the field", async () => {
    const coach = await creditsCoach(5);
    const { member } = await linkedMember(h, coach.id, { name: 'Mia Credits' });
    const coachChat = await linkedUser(h, coach.id);
    await coachChat.command('member', 'Mia Credits');
    expect(coachChat.text()).toContain('Credits: No sessions left in your package');
    await coachChat.click('Grant credits');
    expect(coachChat.lastForm?.title).toBe('Grant credits');
    await coachChat.submit({ count: 'ten', validityDays: '', reason: '' });
    expect(coachChat.lastForm?.title).toBe('Grant credits');
    await coachChat.submit({ count: '4', validityDays: '30', reason: 'Paid' });
    expect(coachChat.text()).toContain('Granted. 4 of 4 sessions left');
    const l = await h.core.credits.listLedger(coach.actor, member.memberId!);
    expect(l.entries[0]).toMatchObject({ kind: 'grant', amount: 4, reason: 'Paid' });
  });
});

describe('notices with credits', () => {
  it("every reminder and the member's booking confirmation show the balance; the coach is told once the member ran out", async () => {
    const coach = await creditsCoach(6);
    const { member, chatter } = await linkedMember(h, coach.id);
    await h.core.credits.grant(coach.actor, member.memberId!, { count: 3, validityDays: 55 });
    await book(chatter, 'Sat 12 Jan');
    const session = await h.db.session.findFirstOrThrow({ where: { memberId: member.memberId! } });
    const reminder = await h.bot.present({ id: 'r1', userId: member.id, type: 'session.reminder', payload: { sessionId: session.id, minutesBefore: 60 } }, chatter.user);
    expect(viewText(reminder)).toContain('2 of 3 sessions left · until 3 Mar');
    const confirmed = await h.bot.present({ id: 'c1', userId: member.id, type: 'booking.confirmed', payload: { sessionId: session.id } }, chatter.user);
    expect(viewText(confirmed)).toContain('2 of 3 sessions left');
    // The coach's copy carries no balance.
    const coachCopy = await h.bot.present({ id: 'c2', userId: coach.id, type: 'session.reminder', payload: { sessionId: session.id, minutesBefore: 60 } }, { platform: 'web', scope: 'local', platformUserId: 'coach-6' });
    expect(viewText(coachCopy)).not.toContain('sessions left');
    // Out of credits: the coach's notice opens the member card.
    const broke = await linkedMember(h, coach.id, { name: 'Broke Bob' });
    await book(broke.chatter, 'Sat 12 Jan');
    const [told] = await h.db.notification.findMany({ where: { userId: coach.id, type: 'credits.exhausted' } });
    const coachChat = await linkedUser(h, coach.id);
    const notice = await h.bot.present({ id: told!.id, userId: coach.id, type: told!.type, payload: told!.payload as Record<string, unknown> }, coachChat.user);
    expect(viewText(notice)).toContain('Broke Bob tried to book but has no sessions left');
    await coachChat.click('Open member', { ref: { platform: 'web', channelId: 'dm', messageId: 'n1' }, view: notice });
    expect(coachChat.text()).toContain('Broke Bob');
    expect(coachChat.text()).toContain('Grant credits');
  });
});
