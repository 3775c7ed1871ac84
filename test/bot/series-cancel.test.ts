import { describe, expect, it } from 'vitest';
import { createActionSigner } from '../../src/bot/actions.ts';
import { packId } from '../../src/bot/compact.ts';
import { actionsOf, coachWithHours, findAction, linkedMember, linkedUser, SECRET, setupBot, viewText } from './harness.ts';

// "Cancel this and all later ones" for a session of a weekly series, from chat (docs/design.md §9),
// as sequences of chat steps: the member from /sessions, the coach from the session card. The
// earlier occurrences stay, the later ones are cancelled once however often the confirmation is
// tapped, and the messages kept current over them are redrawn.

const h = await setupBot();

/** A member of a new coach (Tuesdays 09:00–11:00 UTC) with 8 weekly sessions booked from chat: 8 Jan to 26 Feb 2030, 09:00. */
async function weeklyMember(name: string) {
  const coach = await coachWithHours(h, { name, windows: [{ dayOfWeek: 2, startTime: '09:00', endTime: '11:00', maxSessionsPerSlot: 2 }] });
  const { member, chatter } = await linkedMember(h, coach.id, { name: `Member of ${name}`, timezone: 'UTC' });
  await chatter.command('book');
  await chatter.click('Tue 8 Jan');
  await chatter.click('09:00');
  await chatter.click('Confirm booking');
  await chatter.click('8 sessions');
  expect(chatter.text()).toContain('Every week ✓ 8 sessions');
  const sessions = () => h.db.session.findMany({ where: { memberId: member.memberId! }, orderBy: { seriesPosition: 'asc' } });
  expect(await sessions()).toHaveLength(8);
  return { coach, member, chatter, sessions };
}

const statuses = async (sessions: () => Promise<{ status: string }[]>) => (await sessions()).map((s) => s.status);
const cancelNotices = (coachId: string, memberUserId: string) => h.db.notification.count({ where: { type: 'session.cancelled', userId: { in: [coachId, memberUserId] } } });

describe('cancel this and all later ones, from chat', () => {
  it('the member, from /sessions: a choice, a confirmation with the count and dates, then the later ones cancelled once; the list and /next redraw', async () => {
    const { coach, member, chatter, sessions } = await weeklyMember('Coach Sena');
    await chatter.command('next');
    const nextMessage = chatter.last!.ref;
    expect(chatter.text()).toContain('Tue 15 Jan 2030');
    await chatter.command('sessions');
    expect(chatter.text()).toContain('Tue 15 Jan 2030');

    await chatter.click('Cancel Tue 15 Jan');
    expect(chatter.lastForm).toBeUndefined();
    expect(chatter.text()).toContain('2 of 8 in a weekly series');
    expect(actionsOf(chatter.current()!.view).map((a) => a.label)).toEqual(['Cancel this session', 'Cancel this and all later ones (7 sessions)', 'Keep it']);

    await chatter.click('Cancel this and all later ones');
    expect(chatter.text()).toContain('Cancel 7 sessions?');
    for (const day of ['15 Jan', '22 Jan', '29 Jan', '5 Feb', '12 Feb', '19 Feb', '26 Feb']) expect(chatter.text()).toMatch(new RegExp(`• \\w{3} ${day} 2030, 09:00`));
    expect(chatter.text()).not.toContain('8 Jan');
    // Nothing is cancelled before the confirmation.
    expect(await statuses(sessions)).toEqual(Array<string>(8).fill('scheduled'));

    const confirmation = chatter.current()!;
    const yes = findAction(confirmation.view, 'Yes, cancel 7 sessions');
    await chatter.clickToken(yes, confirmation.ref);
    expect(await statuses(sessions)).toEqual(['scheduled', ...Array<string>(7).fill('cancelled')]);
    // The message becomes the list again: the first occurrence stays, the later ones are gone.
    expect(chatter.text()).toContain('Cancelled 7 sessions');
    expect(chatter.text()).toContain('Your upcoming sessions');
    expect(chatter.text()).toContain('[Cancel Tue 8 Jan 2030');
    expect(chatter.text()).not.toContain('[Cancel Tue 15 Jan');
    // The /next message kept current elsewhere is redrawn without them.
    const nextNow = viewText(h.port.messages.get(nextMessage.messageId));
    expect(nextNow).toContain('Tue 8 Jan 2030');
    expect(nextNow).not.toContain('Tue 15 Jan 2030');
    const told = await cancelNotices(coach.id, member.id);
    expect(told).toBe(7);

    // A second tap of the same confirmation cancels nothing more and says why.
    await chatter.clickToken(yes, confirmation.ref);
    expect(chatter.lastNotice).toMatch(/cancelled/);
    expect(await statuses(sessions)).toEqual(['scheduled', ...Array<string>(7).fill('cancelled')]);
    expect(await cancelNotices(coach.id, member.id)).toBe(told);
  });

  it('two taps of the confirmation at once cancel each later session once', async () => {
    const { coach, member, chatter, sessions } = await weeklyMember('Coach Twin');
    await chatter.command('sessions');
    await chatter.click('Cancel Tue 22 Jan');
    await chatter.click('Cancel this and all later ones (6 sessions)');
    const confirmation = chatter.current()!;
    const yes = findAction(confirmation.view, 'Yes, cancel 6 sessions');
    await Promise.allSettled([chatter.clickToken(yes, confirmation.ref), chatter.clickToken(yes, confirmation.ref)]);
    expect(await statuses(sessions)).toEqual(['scheduled', 'scheduled', ...Array<string>(6).fill('cancelled')]);
    expect(await cancelNotices(coach.id, member.id)).toBe(6);
  });

  it('"Cancel this session" from the choice cancels that occurrence alone, with the usual form', async () => {
    const { chatter, sessions } = await weeklyMember('Coach Solo');
    await chatter.command('sessions');
    await chatter.click('Cancel Tue 15 Jan');
    await chatter.click('Cancel this session');
    expect(chatter.lastForm?.title).toBe('Cancel session');
    await chatter.submit({ reason: 'Away that week' });
    expect(await statuses(sessions)).toEqual(['scheduled', 'cancelled', ...Array<string>(6).fill('scheduled')]);
  });

  it('the coach, from the session card: the later ones cancelled, the card and the member\'s open list redrawn; once none is left after it, the choice offers the one alone', async () => {
    const { coach, member, chatter, sessions } = await weeklyMember('Coach Card');
    await chatter.command('sessions');
    const list = chatter.last!.ref;
    const coachChat = await linkedUser(h, coach.id);
    const third = (await sessions())[2]!;
    const signer = createActionSigner(SECRET);
    await coachChat.clickToken(signer.sign(`u:${coach.id}`, 'cv', [packId(third.id)], h.clock.now()));
    expect(coachChat.text()).toContain('Weekly, 3 of 8');
    await coachChat.click('Cancel');
    expect(coachChat.lastForm).toBeUndefined();
    expect(coachChat.text()).toContain('The session with Member of Coach Card');
    await coachChat.click('Cancel this and all later ones (6 sessions)');
    expect(coachChat.text()).toContain("Member of Coach Card's weekly sessions");
    expect(coachChat.text()).toMatch(/• Tue 22 Jan 2030, 09:00/);
    expect(coachChat.text()).not.toMatch(/• Tue 15 Jan/);
    const confirmation = coachChat.current()!;
    const yes = findAction(confirmation.view, 'Yes, cancel 6 sessions');
    await coachChat.clickToken(yes, confirmation.ref);
    expect(await statuses(sessions)).toEqual(['scheduled', 'scheduled', ...Array<string>(6).fill('cancelled')]);
    // The message is the card again, cancelled; the member's list no longer offers the 22nd.
    expect(coachChat.text()).toContain('Session with Member of Coach Card');
    expect(coachChat.text()).toContain('Status: cancelled');
    expect(coachChat.lastNotice).toContain('Cancelled 6 sessions');
    const memberList = viewText(h.port.messages.get(list.messageId));
    expect(memberList).toContain('Tue 15 Jan 2030');
    expect(memberList).not.toContain('Tue 22 Jan 2030');
    const told = await cancelNotices(coach.id, member.id);
    expect(told).toBe(6);

    await coachChat.clickToken(yes, confirmation.ref);
    expect(coachChat.lastNotice).toMatch(/cancelled/);
    expect(await cancelNotices(coach.id, member.id)).toBe(told);

    // The second occurrence's card now has nothing later to cancel with it.
    await coachChat.clickToken(signer.sign(`u:${coach.id}`, 'cv', [packId((await sessions())[1]!.id)], h.clock.now()));
    await coachChat.click('Cancel');
    expect(coachChat.text()).not.toContain('all later ones');
    expect(coachChat.lastForm).toBeUndefined();
  });

  it('an open confirmation is kept current: a later session the coach cancels meanwhile leaves it, and the count with it', async () => {
    const { coach, chatter, sessions } = await weeklyMember('Coach Live');
    await chatter.command('sessions');
    await chatter.click('Cancel Tue 15 Jan');
    await chatter.click('Cancel this and all later ones (7 sessions)');
    const confirmation = chatter.current()!.ref;
    const coachChat = await linkedUser(h, coach.id);
    const fifth = (await sessions())[4]!;
    await coachChat.clickToken(createActionSigner(SECRET).sign(`u:${coach.id}`, 'cv', [packId(fifth.id)], h.clock.now()));
    await coachChat.click('Cancel');
    await coachChat.click('Cancel this session');
    await coachChat.submit({ reason: 'Conference' });
    const now = viewText(h.port.messages.get(confirmation.messageId));
    expect(now).toContain('Cancel 6 sessions?');
    expect(now).not.toContain('5 Feb');
    await chatter.click('Yes, cancel 6 sessions');
    expect(await statuses(sessions)).toEqual(['scheduled', ...Array<string>(7).fill('cancelled')]);
  });

  it('an open choice whose session the coach cancels meanwhile says so and offers nothing to cancel', async () => {
    const { coach, chatter, sessions } = await weeklyMember('Coach Gone');
    await chatter.command('sessions');
    await chatter.click('Cancel Tue 15 Jan');
    const choice = chatter.current()!.ref;
    const coachChat = await linkedUser(h, coach.id);
    await coachChat.clickToken(createActionSigner(SECRET).sign(`u:${coach.id}`, 'cv', [packId((await sessions())[1]!.id)], h.clock.now()));
    await coachChat.click('Cancel');
    await coachChat.click('Cancel this session');
    await coachChat.submit({ reason: 'Ill' });
    const now = h.port.messages.get(choice.messageId)!;
    expect(viewText(now)).toContain('This session is cancelled.');
    expect(actionsOf(now).map((a) => a.label)).toEqual(['My sessions']);
    expect(await statuses(sessions)).toEqual(['scheduled', 'cancelled', ...Array<string>(6).fill('scheduled')]);
  });

  it("past the coach's cut-off the confirmation warns the member, and a confirmation tapped without the warning asks again", async () => {
    const { member, chatter, sessions } = await weeklyMember('Coach Late');
    // Now is Mon 7 Jan 09:00, 24 h (the default cut-off) before the first session.
    await chatter.command('sessions');
    await chatter.click('Cancel Tue 8 Jan');
    await chatter.click('Cancel this and all later ones (8 sessions)');
    expect(chatter.text()).toContain('Cancel 8 sessions?');
    expect(chatter.text()).toContain('recorded as a late cancellation');
    // A Yes drawn before the cut-off carries no acknowledgement: the warning comes first, nothing is cancelled.
    const first = (await sessions())[0]!;
    await chatter.clickToken(createActionSigner(SECRET).sign(`u:${member.id}`, 'lX', [packId(first.id)], h.clock.now()), chatter.current()!.ref);
    expect(chatter.text()).toContain('recorded as a late cancellation');
    expect(await statuses(sessions)).toEqual(Array<string>(8).fill('scheduled'));
    await chatter.click('Yes, cancel 8 sessions');
    expect(await statuses(sessions)).toEqual(Array<string>(8).fill('cancelled'));
  });

  it("a reminder's \"Can't make it\" offers this and all later ones too", async () => {
    const { member, chatter, sessions } = await weeklyMember('Coach Remind');
    const seventh = (await sessions())[6]!;
    await chatter.clickToken(createActionSigner(SECRET).sign(`u:${member.id}`, 'sy', [packId(seventh.id)], h.clock.now()));
    expect(chatter.text()).toContain('Cancel this session?');
    await chatter.click('Cancel this and all later ones (2 sessions)');
    expect(chatter.text()).toMatch(/Cancel 2 sessions\?[\s\S]*• Tue 19 Feb 2030, 09:00\n• Tue 26 Feb 2030, 09:00/);
    await chatter.click('Yes, cancel 2 sessions');
    expect(await statuses(sessions)).toEqual([...Array<string>(6).fill('scheduled'), 'cancelled', 'cancelled']);
  });
});
