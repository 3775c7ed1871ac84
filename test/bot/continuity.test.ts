import { describe, expect, it } from 'vitest';
import { actorOf } from '../helpers/factories.ts';
import { DAY, HOUR, seedSession } from '../core/sessions.fixtures.ts';
import { TEST_EPOCH } from '../helpers/core.ts';
import { coachWithHours, linkedMember, linkedUser, setupBot, viewText } from './harness.ts';

// Issue 32 in chat: the last session's commitments on the member's /next and the next session's
// reminder, the coach's card with their notes, the rating and the progress; "Done ✓" from chat
// redraws both the member's /next and the coach's card in place.

const h = await setupBot();

async function lastAndNext() {
  h.clock.set(TEST_EPOCH);
  const coach = await coachWithHours(h, { name: 'Coach Cleo' });
  const { member, chatter } = await linkedMember(h, coach.id, { name: 'Mo', timezone: 'UTC' });
  const last = await seedSession(h.db, { coach, member, scheduledAt: new Date(TEST_EPOCH.getTime() - 7 * DAY), status: 'scheduled' });
  await h.core.sessions.complete(coach.actor, last.id, { coachNotes: 'PRIVATE knee pain', commitments: [{ text: 'Stretch daily', dueDate: '2030-01-10' }, { text: 'Sleep by 23:00' }] });
  await h.core.sessions.rate(await actorOf(h.db, member), last.id, { rating: 4, feedback: 'useful' });
  const next = await seedSession(h.db, { coach, member, scheduledAt: new Date(TEST_EPOCH.getTime() + DAY + HOUR), status: 'scheduled' });
  return { coach, member, chatter, last, next };
}

describe('continuity in chat', () => {
  it('/next shows "Last time:" without private notes; Done ✓ marks one and redraws /next and the coach\'s card in place', async () => {
    const { coach, chatter } = await lastAndNext();
    await chatter.command('next');
    const nextText = chatter.text();
    expect(nextText).toContain('Last time (Mon 31 Dec, with Coach Cleo): commitments (0 of 2 done)');
    expect(nextText).toContain('☐ Stretch daily (due 2030-01-10)');
    expect(nextText).not.toContain('PRIVATE');
    expect(nextText).not.toContain('★');
    const nextMessage = chatter.current()!.ref;

    // The coach's card of the next session: the commitments, their own notes and the member's rating.
    const coachChat = await linkedUser(h, coach.id);
    await coachChat.command('today');
    await coachChat.click('Mo');
    expect(coachChat.text()).toContain('Session with Mo');
    expect(coachChat.text()).toContain('0 of 2 done');
    expect(coachChat.text()).toContain('Your notes: PRIVATE knee pain');
    expect(coachChat.text()).toContain('Their rating: ★★★★ — useful');

    await chatter.click('Done ✓ Stretch daily', { ref: nextMessage, view: h.port.messages.get(nextMessage.messageId)! });
    expect(chatter.lastNotice).toBe('Done ✓ Stretch daily');
    // Both messages were drawn again where they are: the member's /next and the coach's card.
    const redrawnNext = viewText(h.port.messages.get(nextMessage.messageId));
    expect(redrawnNext).toContain('(1 of 2 done)');
    expect(redrawnNext).toContain('✓ Stretch daily');
    expect(redrawnNext).not.toContain('Done ✓ Stretch daily');
    expect(coachChat.text()).toContain('1 of 2 done');

    // The same button again (a double tap) changes nothing and says so truthfully.
    await chatter.click('Done ✓ Sleep', { ref: nextMessage, view: h.port.messages.get(nextMessage.messageId)! });
    expect(viewText(h.port.messages.get(nextMessage.messageId))).toContain('(2 of 2 done)');
  });

  it("the next session's reminder carries Last time: commitments for the member, notes and rating for the coach", async () => {
    const { coach, member, next } = await lastAndNext();
    const notice = { id: 'r1', type: 'session.reminder', payload: { sessionId: next.id, minutesBefore: 60 } };
    const memberView = await h.bot.present({ ...notice, userId: member.id }, { platform: 'web', scope: 'local', platformUserId: 'x' });
    expect(viewText(memberView)).toContain('Last time');
    expect(viewText(memberView)).toContain('Stretch daily');
    expect(viewText(memberView)).not.toContain('PRIVATE');
    const coachView = await h.bot.present({ ...notice, userId: coach.id }, { platform: 'web', scope: 'local', platformUserId: 'y' });
    expect(viewText(coachView)).toContain('Your notes: PRIVATE knee pain');
    expect(viewText(coachView)).toContain('Their rating: ★★★★');
  });

  it('Complete with a commitment the core refuses brings the form back on that input, everything typed kept', async () => {
    const { coach, next } = await lastAndNext();
    const coachChat = await linkedUser(h, coach.id);
    h.clock.set(new Date(next.scheduledAt.getTime() + HOUR));
    await coachChat.command('today');
    await coachChat.click('Mo');
    await coachChat.click('Complete');
    await coachChat.submit({ notes: 'Went well', outcomes: '', commitments: `Fine one\n${'x'.repeat(201)}` });
    expect(coachChat.lastForm?.refused?.input).toBe('commitments');
    expect(coachChat.lastForm?.refused?.message).toContain('item 2');
    expect(coachChat.lastForm?.inputs.find((i) => i.id === 'notes')?.initial).toBe('Went well');
    expect((await h.db.session.findUniqueOrThrow({ where: { id: next.id } })).status).toBe('scheduled');
    h.clock.set(TEST_EPOCH);
  });
});
