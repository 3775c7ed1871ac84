import { describe, expect, it } from 'vitest';
import { actorOf } from '../helpers/factories.ts';
import { coachWithHours, linkedMember, linkedUser, setupBot, viewText } from './harness.ts';

const h = await setupBot();

async function bookedMember(dayLabel: string, dayOfWeek: number, timezone = 'UTC') {
  const coach = await coachWithHours(h, { windows: [{ dayOfWeek, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 2 }] });
  const m = await linkedMember(h, coach.id, { timezone });
  await m.chatter.command('book');
  await m.chatter.click(dayLabel);
  await m.chatter.click(/^(09|10):00/);
  await m.chatter.click('Confirm booking');
  expect(m.chatter.text()).toContain('Booked');
  return { coach, ...m };
}

describe('member screens', () => {
  it('/next shows the countdown and the next three; /sessions lists them', async () => {
    const { chatter } = await bookedMember('Tue 8 Jan', 2);
    await chatter.command('next');
    expect(chatter.text()).toContain('Your next session is in 1 day');
    await chatter.command('sessions');
    expect(chatter.text()).toContain('Tue 8 Jan 2030');
  });

  it('cancels with a reason and frees the seat', async () => {
    const { chatter, member } = await bookedMember('Wed 9 Jan', 3);
    await chatter.command('sessions');
    await chatter.click('Cancel');
    expect(chatter.lastForm?.title).toBe('Cancel session');
    await chatter.submit({ reason: 'Sick' });
    expect(chatter.text()).toContain('cancelled');
    const s = await h.db.session.findFirstOrThrow({ where: { memberId: member.memberId! } });
    expect(s).toMatchObject({ status: 'cancelled', cancellationReason: 'Sick' });
  });

  it('reschedules through the same pickers', async () => {
    const { chatter, member } = await bookedMember('Thu 10 Jan', 4);
    await chatter.command('sessions');
    await chatter.click('Reschedule');
    await chatter.click('Thu 10 Jan');
    await chatter.click('11:00');
    await chatter.click('Move it here');
    expect(chatter.text()).toContain('Session moved');
    const s = await h.db.session.findFirstOrThrow({ where: { memberId: member.memberId! } });
    expect(s.scheduledAt.toISOString()).toBe('2030-01-10T11:00:00.000Z');
  });

  it('/profile shows and edits name, zone and goals', async () => {
    const { chatter } = await linkedMember(h, null, { timezone: 'UTC' });
    await chatter.command('profile');
    expect(chatter.text()).toContain('none yet');
    await chatter.click('Edit');
    await chatter.submit({ name: 'Renamed <b>', timezone: 'Europe/Paris', goals: 'Sleep more' });
    expect(chatter.text()).toContain('Renamed <b>');
    expect(chatter.text()).toContain('Europe/Paris');
    expect(chatter.text()).toContain('Sleep more');
  });

  it('rates a completed session 1–5 with optional feedback, once', async () => {
    const { chatter, coach } = await bookedMember('Fri 11 Jan', 5);
    const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
    h.clock.set(new Date(session.scheduledAt.getTime() + 61 * 60_000));
    await h.core.sessions.complete(await actorOf(h.db, coach), session.id, { coachNotes: 'good' });
    await chatter.command('rate');
    await chatter.click('★★★★');
    await chatter.submit({ feedback: 'Helpful' });
    expect(chatter.text()).toContain('Thank you');
    expect(await h.db.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ rating: 4, ratingFeedback: 'Helpful' });
    await chatter.command('rate');
    expect(chatter.text()).toContain('Nothing to rate');
    h.clock.set(new Date('2030-01-07T09:00:00Z'));
  });

  it("another member's session buttons do nothing for them", async () => {
    const { chatter } = await bookedMember('Sat 12 Jan', 6);
    await chatter.command('sessions');
    const view = chatter.last!;
    const intruder = await linkedMember(h, null);
    await intruder.chatter.click('Cancel', view);
    expect(intruder.chatter.lastNotice).toMatch(/not valid for you/);
    const coachChatter = await linkedUser(h, (await h.db.user.findFirstOrThrow({ where: { role: 'Coach', name: 'Coach Carla' } })).id);
    await coachChatter.click('Cancel', view);
    expect(coachChatter.lastNotice).toMatch(/not valid for you/);
    expect(viewText(view.view)).toContain('Sat 12 Jan');
  });
});
