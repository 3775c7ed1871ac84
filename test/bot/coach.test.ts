import { describe, expect, it } from 'vitest';
import { makeMember } from '../helpers/factories.ts';
import { createActionSigner } from '../../src/bot/actions.ts';
import { packId } from '../../src/bot/compact.ts';
import { coachWithHours, linkedMember, linkedUser, SECRET, setupBot, viewText } from './harness.ts';

const h = await setupBot();

async function bookedSession(dayLabel: string, dayOfWeek: number) {
  const coach = await coachWithHours(h, { name: `Coach ${dayLabel}`, windows: [{ dayOfWeek, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1 }] });
  const m = await linkedMember(h, coach.id, { name: 'Mia <script>' });
  await m.chatter.command('book');
  await m.chatter.click(dayLabel);
  await m.chatter.click('10:00');
  await m.chatter.click('Confirm booking');
  const coachChat = await linkedUser(h, coach.id);
  const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
  return { coach, member: m, coachChat, session };
}

describe('coach screens', () => {
  it('/today lists today and this week and opens a session card; Complete takes notes and outcomes', async () => {
    const { coachChat, session } = await bookedSession('Wed 9 Jan', 3);
    await coachChat.command('today');
    expect(coachChat.text()).toContain('Mia <script>');
    h.clock.set(new Date(session.scheduledAt.getTime() + 30 * 60_000));
    await coachChat.click('Mia');
    expect(coachChat.text()).toContain('Session with Mia <script>');
    await coachChat.click('Complete');
    expect(coachChat.lastForm?.inputs.map((i) => i.id)).toEqual(['notes', 'outcomes', 'commitments']);
    await coachChat.submit({ notes: 'Worked on form', outcomes: 'Faster', commitments: '- Stretch daily by 2030-01-15\n\nLog every run' });
    expect(coachChat.text()).toContain('completed');
    expect(coachChat.text()).toContain('Worked on form');
    // Commitments, one per line, with an optional due day, shown with their progress.
    expect(coachChat.text()).toContain('Commitments (0 of 2 done)');
    expect(coachChat.text()).toContain('☐ Stretch daily (due 2030-01-15)');
    expect(coachChat.text()).toContain('☐ Log every run');
    h.clock.set(new Date('2030-01-07T09:00:00Z'));
  });

  it('a member cancelling redraws the open session card in place; Notes and No-show work', async () => {
    const { coachChat, member, session } = await bookedSession('Thu 10 Jan', 4);
    await coachChat.command('today');
    await coachChat.click('Mia');
    const card = coachChat.last!.ref;
    await coachChat.click('Notes');
    await coachChat.submit({ notes: 'Bring shoes' });
    expect(coachChat.text()).toContain('Bring shoes');
    await member.chatter.command('sessions');
    await member.chatter.click('Cancel');
    await member.chatter.submit({ reason: 'Away' });
    const edits = h.port.edits.filter((e) => e.message.messageId === card.messageId);
    expect(viewText(edits.at(-1)?.view)).toContain('cancelled');
    expect(session.id).toBeTruthy();
  });

  it('offers Complete and No-show only once the session has started; a card drawn earlier refuses them before any form opens', async () => {
    const { coachChat, session } = await bookedSession('Fri 11 Jan', 5);
    await coachChat.command('today');
    await coachChat.click('Mia');
    expect(coachChat.text()).not.toMatch(/\[Complete\]|\[No-show\]/);
    expect(coachChat.text()).toMatch(/\[Notes\] \[Cancel\]/);
    // A Complete button drawn for this session (a prompt, an older card) pressed before the start.
    await coachChat.clickToken(createActionSigner(SECRET).sign(`u:${session.coachId}`, 'cc', [packId(session.id)], h.clock.now()));
    expect(coachChat.lastNotice).toContain('has not started yet');
    expect(coachChat.lastForm).toBeUndefined();
    h.clock.set(new Date(session.scheduledAt.getTime() + 10 * 60_000));
    await coachChat.command('today');
    await coachChat.click('Mia');
    await coachChat.click('No-show');
    expect(coachChat.text()).toContain('no-show');
    h.clock.set(new Date('2030-01-07T09:00:00Z'));
  });

  it('/members pages and searches; a member detail shows history and edits notes', async () => {
    const coach = await coachWithHours(h, { name: 'Paging Pat', windows: [] });
    for (let i = 0; i < 12; i++) await makeMember(h.db, { coachId: coach.id, name: `Member ${String(i).padStart(2, '0')}` });
    await makeMember(h.db, { coachId: coach.id, name: 'Zoe Search' });
    const chat = await linkedUser(h, coach.id);
    await chat.command('members');
    expect(chat.text()).toContain('Member 00');
    await chat.click('Next page');
    expect(chat.text()).not.toContain('Member 00');
    await chat.command('members', 'zoe');
    expect(chat.text()).toContain('Zoe Search');
    expect(chat.text()).not.toContain('Member 01');
    await chat.command('member', 'Zoe');
    expect(chat.text()).toContain('History');
    await chat.click('Edit notes');
    await chat.submit({ notes: 'Prefers mornings' });
    expect(chat.text()).toContain('Prefers mornings');
  });

  it('/availability adds, edits and deletes weekly windows; an overlap is refused with a sentence', async () => {
    const coach = await coachWithHours(h, { name: 'Grid Gus', windows: [] });
    const chat = await linkedUser(h, coach.id);
    await chat.command('availability');
    await chat.click('Add a window');
    await chat.submit({ day: 'Mon', start: '09:00', end: '12:00', seats: '2', buffer: '10' });
    expect(chat.text()).toContain('Mon: 09:00–12:00');
    await chat.click('Add a window');
    await chat.submit({ day: 'mon', start: '11:00', end: '13:00', seats: '1', buffer: '0' });
    expect(chat.lastNotice).toContain('overlaps');
    await chat.command('availability');
    await chat.click('Mon 09:00');
    await chat.click('Edit');
    await chat.submit({ day: 'Tue', start: '10:00', end: '11:00', seats: '1', buffer: '0' });
    expect(chat.text()).toContain('Tue: 10:00–11:00');
    await chat.click('Tue 10:00');
    await chat.click('Delete');
    await chat.click('Delete');
    expect(chat.text()).toContain('Window deleted');
    expect(await h.db.coachAvailability.count({ where: { coachId: coach.id } })).toBe(0);
  });

  it('a member cannot use coach commands', async () => {
    const { chatter } = await linkedMember(h, null);
    await chatter.command('today');
    expect(chatter.text()).toContain('for coaches');
  });
});
