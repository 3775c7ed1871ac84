import { describe, expect, it } from 'vitest';
import { DEFAULT_CORE_CONFIG } from '../../src/core/index.ts';
import { testWorkers, untilSettled } from '../jobs/harness.ts';
import { actionsOf, coachWithHours, findAction, linkedMember, setupBot, viewText } from './harness.ts';

// Issue 29 in chat (docs/design.md §11): a full time offers "Join waitlist", a freed seat arrives as
// an offer with Claim / Pass, kept current as it ends, and a button of an ended offer answers truly.

const h = await setupBot();
const jobs = await testWorkers({ db: h.db, clock: h.clock, ports: [h.port], present: h.bot.present, redraw: h.bot.redraw, keepNotice: h.bot.keepNotice });
const START = new Date('2030-01-07T09:00:00Z');

/** Relays the outbox and waits until every notice is settled (sent or skipped). */
async function delivered() {
  await jobs.relay();
  await untilSettled(jobs, async () => (await h.db.notification.count({ where: { status: { in: ['pending', 'sending'] } } })) === 0);
}

/** The newest message the port sent to this chatter. */
function lastSentTo(platformUserId: string) {
  const sent = h.port.sent.filter((m) => m.to === platformUserId).at(-1);
  if (!sent) throw new Error('nothing sent');
  const id = [...h.port.messages.entries()].find(([, v]) => v === sent.view)?.[0];
  return { ref: { platform: 'web' as const, channelId: platformUserId, messageId: id! }, view: () => h.port.messages.get(id!)! };
}

async function fullSlotWithLine(name: string) {
  h.clock.set(START);
  const coach = await coachWithHours(h, { name, windows: [{ dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1 }] });
  const ann = await linkedMember(h, coach.id);
  await ann.chatter.command('book');
  await ann.chatter.click('Tue 8 Jan');
  await ann.chatter.click('10:00');
  await ann.chatter.click('Confirm booking');
  const ben = await linkedMember(h, coach.id);
  await ben.chatter.command('book');
  await ben.chatter.click('Tue 8 Jan');
  expect(ben.chatter.text()).toContain('[10:00 · full · Join waitlist]');
  await ben.chatter.click('10:00 · full · Join waitlist');
  expect(ben.chatter.text()).toContain('number 1 in line');
  expect(ben.chatter.text()).toContain('[10:00 · full · in line]');
  const picker = ben.chatter.current()!.ref;
  const booking = await h.db.sessionBooking.findFirstOrThrow({ where: { coachId: coach.id, status: 'confirmed' } });
  await delivered();
  return { coach, ann, ben, picker, booking };
}

describe('the waitlist in chat', () => {
  it('joins from the picker, gets the offer when a seat frees, and claims it once however often Claim is tapped', async () => {
    const { coach, ann, ben, picker, booking } = await fullSlotWithLine('Coach Line');
    await ben.chatter.command('waitlist');
    expect(ben.chatter.text()).toContain('number 1 in line');

    await h.core.bookings.cancel(await h.core.access.actorFor(ann.member.id), booking.id);
    await delivered();
    const offer = lastSentTo(ben.chatter.user.platformUserId);
    expect(viewText(offer.view())).toContain('A seat freed up for you');
    expect(actionsOf(offer.view()).map((a) => a.label)).toEqual(['Claim', 'Pass']);
    // Ben's picker, kept current, shows the seat held for him; for anyone else the time is full.
    expect(viewText(h.port.messages.get(picker.messageId))).toContain('[10:00 · held for you]');
    const cara = await linkedMember(h, coach.id);
    await cara.chatter.command('book');
    await cara.chatter.click('Tue 8 Jan');
    expect(cara.chatter.text()).toContain('[10:00 · full · Join waitlist]');

    const claim = findAction(offer.view(), 'Claim');
    await ben.chatter.clickToken(claim, offer.ref);
    expect(ben.chatter.text()).toContain('Booked ✓');
    // A second tap of the same drawn button is the same booking, not another.
    await ben.chatter.clickToken(claim, offer.ref);
    expect(ben.chatter.text()).toContain('Booked ✓');
    expect(await h.db.session.count({ where: { coachId: coach.id, status: 'scheduled' } })).toBe(1);
    expect(await h.db.waitlistEntry.findFirst({ where: { coachId: coach.id } })).toMatchObject({ status: 'claimed' });
    await delivered();
    // Offered once: one offer message reached Ben.
    expect(h.port.sent.filter((m) => m.to === ben.chatter.user.platformUserId && m.view.summary.startsWith('A seat freed up'))).toHaveLength(1);
  });

  it('an offer that runs out is redrawn expired without buttons, and its old Claim answers truthfully', async () => {
    const { ann, ben, booking } = await fullSlotWithLine('Coach Expiry');
    await h.core.bookings.cancel(await h.core.access.actorFor(ann.member.id), booking.id);
    await delivered();
    const offer = lastSentTo(ben.chatter.user.platformUserId);
    const claim = findAction(offer.view(), 'Claim');

    h.clock.set(new Date(START.getTime() + DEFAULT_CORE_CONFIG.waitlistClaimMinutes * 60_000));
    await jobs.tick();
    await delivered();
    expect(viewText(offer.view())).toContain('Offer expired');
    expect(actionsOf(offer.view()).map((a) => a.label)).toEqual(['Book another time']);
    // The expiry was told once, as its own notice.
    const told = h.port.sent.filter((m) => m.to === ben.chatter.user.platformUserId && m.view.summary.startsWith('Offer expired'));
    expect(told).toHaveLength(1);

    await ben.chatter.clickToken(claim, offer.ref);
    expect(ben.chatter.lastNotice).toContain('This offer has ended');
    expect(ben.chatter.text()).toContain('Offer expired');
    expect(await h.db.session.count({ where: { memberId: ben.member.memberId!, status: 'scheduled' } })).toBe(0);
  });

  it('Pass hands the seat on, and /waitlist leaves the line', async () => {
    const { coach, ann, ben, booking } = await fullSlotWithLine('Coach Pass');
    const dan = await linkedMember(h, coach.id);
    await dan.chatter.command('book');
    await dan.chatter.click('Tue 8 Jan');
    await dan.chatter.click('10:00 · full · Join waitlist');
    expect(dan.chatter.text()).toContain('number 2 in line');
    await h.core.bookings.cancel(await h.core.access.actorFor(ann.member.id), booking.id);
    await delivered();
    const offer = lastSentTo(ben.chatter.user.platformUserId);
    await ben.chatter.clickToken(findAction(offer.view(), 'Pass'), offer.ref);
    expect(ben.chatter.text()).toContain('Offer passed');
    await delivered();
    const danOffer = lastSentTo(dan.chatter.user.platformUserId);
    expect(viewText(danOffer.view())).toContain('A seat freed up for you');

    await dan.chatter.command('waitlist');
    expect(dan.chatter.text()).toContain('a seat is held for you');
    await dan.chatter.click(/^Tue 8 Jan 10:00$/);
    expect(dan.chatter.text()).toContain('You left the line');
    await delivered();
    // Nobody is left in line: the time is free for anyone again.
    expect(await h.db.waitlistEntry.count({ where: { coachId: coach.id, status: { in: ['waiting', 'offered'] } } })).toBe(0);
  });
});
