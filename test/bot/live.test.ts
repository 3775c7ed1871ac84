import { describe, expect, it } from 'vitest';
import { actorOf, makeUser } from '../helpers/factories.ts';
import { testWorkers, untilSettled } from '../jobs/harness.ts';
import { actionsOf, coachWithHours, linkedMember, linkedUser, setupBot, viewText } from './harness.ts';

// Lists stay true: a change made outside the bot (the admin API calls core exactly like this)
// reaches the messages kept current through the outbox row written with it, redrawn by the jobs.

const h = await setupBot();
const jobs = await testWorkers({ db: h.db, clock: h.clock, ports: [h.port], present: h.bot.present, redraw: h.bot.redraw, keepNotice: h.bot.keepNotice });

/** Relays the outbox and waits until every notice about the session is settled (sent or skipped). */
async function deliveredAbout(sessionId: string) {
  await jobs.relay();
  await untilSettled(jobs, async () => (await h.db.notification.count({ where: { payload: { path: ['sessionId'], equals: sessionId }, status: { in: ['pending', 'sending'] } } })) === 0);
}

describe('messages kept current follow changes made anywhere', () => {
  it('an admin cancelling a session redraws the member\'s session list, reminder and the coach\'s card, without live buttons', async () => {
    const coach = await coachWithHours(h, { name: 'Coach Live', windows: [{ dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1 }] });
    const { chatter } = await linkedMember(h, coach.id);
    await chatter.command('book');
    await chatter.click('Tue 8 Jan');
    await chatter.click('10:00');
    await chatter.click('Confirm booking');
    await chatter.click('My sessions');
    const list = chatter.current()!.ref;
    expect(chatter.text()).toContain('Cancel Tue 8 Jan');
    const coachChat = await linkedUser(h, coach.id);
    await coachChat.command('today');
    await coachChat.click('Member');
    const card = coachChat.current()!.ref;
    const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
    await deliveredAbout(session.id);

    // The reminder an hour before, delivered by the jobs, with its Confirm / Reschedule / Can't make it.
    h.clock.set(new Date(session.scheduledAt.getTime() - 60 * 60_000));
    await jobs.tick();
    await deliveredAbout(session.id);
    const reminder = [...h.port.messages.entries()].find(([, v]) => v.summary.startsWith('Reminder') && actionsOf(v).length === 3);
    expect(reminder).toBeDefined();

    const admin = await makeUser(h.db, 'Admin');
    await h.core.sessions.cancel(await actorOf(h.db, admin), session.id, { reason: 'Studio closed' });
    await deliveredAbout(session.id);

    const listNow = h.port.messages.get(list.messageId)!;
    expect(viewText(listNow)).toContain('No sessions booked');
    expect(actionsOf(listNow).map((a) => a.label)).toEqual(['Book a session']);
    const cardNow = h.port.messages.get(card.messageId)!;
    expect(viewText(cardNow)).toContain('Status: cancelled');
    expect(viewText(cardNow)).toContain('Studio closed');
    expect(actionsOf(cardNow).map((a) => a.label)).toEqual(['Notes', 'Back to today']);
    expect(actionsOf(h.port.messages.get(reminder![0])!)).toEqual([]);
    h.clock.set(new Date('2030-01-07T09:00:00Z'));
  });

  it('a typed /sessions or /next is kept current like one opened from a button: an admin cancelling removes the session', async () => {
    const coach = await coachWithHours(h, { name: 'Coach Typed' });
    const { chatter } = await linkedMember(h, coach.id);
    await chatter.command('book');
    await chatter.click('Tue 8 Jan');
    await chatter.click('10:00');
    await chatter.click('Confirm booking');
    await chatter.command('next');
    const nextRef = chatter.current()!.ref;
    await chatter.command('sessions');
    const list = chatter.current()!.ref;
    expect(chatter.text()).toContain('Cancel Tue 8 Jan');
    const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
    await deliveredAbout(session.id);

    const admin = await makeUser(h.db, 'Admin');
    await h.core.sessions.cancel(await actorOf(h.db, admin), session.id, {});
    await deliveredAbout(session.id);

    const listNow = h.port.messages.get(list.messageId)!;
    expect(viewText(listNow)).toContain('No sessions booked');
    expect(actionsOf(listNow).map((a) => a.label)).toEqual(['Book a session']);
    expect(viewText(h.port.messages.get(nextRef.messageId))).toContain('No upcoming session');
  });

  it('a session moved elsewhere redraws the pickers that showed its old time: the freed seat is offered again', async () => {
    const coach = await coachWithHours(h, {
      name: 'Coach Moves',
      windows: [
        { dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1 },
        { dayOfWeek: 3, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1 },
      ],
    });
    const { chatter: ann } = await linkedMember(h, coach.id);
    await ann.command('book');
    await ann.click('Tue 8 Jan');
    await ann.click('10:00');
    await ann.click('Confirm booking');
    const { chatter: ben } = await linkedMember(h, coach.id);
    await ben.command('book');
    await ben.click('Tue 8 Jan');
    const picker = ben.current()!.ref;
    // A full 10:00 is shown only to join its waitlist; bookable means a seat left.
    const offersTen = (labels: string[]) => labels.some((l) => l.startsWith('10:00 · ') && l.endsWith(' left'));
    expect(offersTen(actionsOf(ben.current()!.view).map((a) => a.label))).toBe(false);
    const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
    await deliveredAbout(session.id);

    const admin = await makeUser(h.db, 'Admin');
    await h.core.sessions.reschedule(await actorOf(h.db, admin), session.id, { scheduledAt: new Date('2030-01-09T10:00:00Z') });
    await deliveredAbout(session.id);

    expect(offersTen(actionsOf(h.port.messages.get(picker.messageId)!).map((a) => a.label))).toBe(true);
  });

  it('tells each person once per event: the one who acted gets the reply, the other party the notice', async () => {
    const coach = await coachWithHours(h, {
      name: 'Coach Once',
      windows: [
        { dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1 },
        { dayOfWeek: 3, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1 },
      ],
    });
    const coachChat = await linkedUser(h, coach.id);
    const { member, chatter } = await linkedMember(h, coach.id);
    const sentBefore = h.port.sent.length;
    // Booked through the bot, twice; the first cancelled through the bot.
    await chatter.command('book');
    await chatter.click('Tue 8 Jan');
    await chatter.click('10:00');
    await chatter.click('Confirm booking');
    expect(chatter.text()).toContain('Booked');
    await chatter.click('Book another');
    await chatter.click('Wed 9 Jan');
    await chatter.click('10:00');
    await chatter.click('Confirm booking');
    const [first, second] = await h.db.session.findMany({ where: { coachId: coach.id }, orderBy: { scheduledAt: 'asc' } });
    await chatter.command('sessions');
    await chatter.click('Cancel Tue 8 Jan');
    await chatter.submit({ reason: '' });
    expect(chatter.text()).toContain('Session cancelled');
    // Moved through the API by an admin, who is not a party: both parties are told.
    const admin = await makeUser(h.db, 'Admin');
    await h.core.sessions.reschedule(await actorOf(h.db, admin), second!.id, { scheduledAt: new Date('2030-01-09T11:00:00Z') });
    await deliveredAbout(first!.id);
    await deliveredAbout(second!.id);

    const rows = await h.db.notification.findMany({ where: { userId: { in: [member.id, coach.id] } }, orderBy: { createdAt: 'asc' } });
    const told = rows.map((n) => `${n.type} ${(n.payload as { sessionId: string }).sessionId === first!.id ? 'first' : 'second'} ${n.userId === coach.id ? 'coach' : 'member'}`);
    expect(told.sort()).toEqual(
      ['booking.confirmed first coach', 'booking.confirmed second coach', 'session.cancelled first coach', 'session.rescheduled second coach', 'session.rescheduled second member'].sort(),
    );
    // Each of those reached its person once; nothing else was sent to either of them.
    const sent = h.port.sent.slice(sentBefore);
    expect(sent.filter((m) => m.to === coachChat.user.platformUserId)).toHaveLength(4);
    expect(sent.filter((m) => m.to === chatter.user.platformUserId)).toHaveLength(1);
    expect(rows.every((n) => n.status === 'sent')).toBe(true);
  });
});
