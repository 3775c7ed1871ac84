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
});
