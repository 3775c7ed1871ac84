import { describe, expect, it } from 'vitest';
import { actorOf, makeCoach } from '../helpers/factories.ts';
import { Chatter, coachWithHours, linkedMember, linkedUser, setupBot } from './harness.ts';

// Conversation state as a person lives it: a form waits for answers only until it is submitted or
// something else starts; typing is never taken for something it was not meant as.

const h = await setupBot();

async function bookedSession(dayLabel: string, dayOfWeek: number) {
  const coach = await coachWithHours(h, { name: `Coach ${dayLabel}`, windows: [{ dayOfWeek, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1 }] });
  const m = await linkedMember(h, coach.id);
  await m.chatter.command('book');
  await m.chatter.click(dayLabel);
  await m.chatter.click('10:00');
  await m.chatter.click('Confirm booking');
  const coachChat = await linkedUser(h, coach.id);
  const session = await h.db.session.findFirstOrThrow({ where: { coachId: coach.id } });
  return { coach, member: m, coachChat, session };
}

const START = new Date('2030-01-07T09:00:00Z');

describe('forms end when they are submitted or something else starts', () => {
  it('after completing a session from its dialog, "ok thanks" is answered as text, not as the Outcomes answer', async () => {
    const { coachChat, session } = await bookedSession('Wed 9 Jan', 3);
    await coachChat.command('today');
    await coachChat.click('Member');
    h.clock.set(new Date(session.scheduledAt.getTime() + 30 * 60_000));
    await coachChat.click('Complete');
    await coachChat.submit({ notes: 'Good work', outcomes: '' });
    await coachChat.send({ type: 'text', text: 'ok thanks' });
    expect(coachChat.text()).toContain('Try /help');
    expect(coachChat.text()).not.toMatch(/Outcomes/);
    h.clock.set(START);
  });

  it('after rating, typing "book" is not taken as the rating feedback', async () => {
    const { member, session } = await bookedSession('Thu 10 Jan', 4);
    h.clock.set(new Date(session.scheduledAt.getTime() + 61 * 60_000));
    await h.core.sessions.complete(await actorOf(h.db, { id: session.coachId }), session.id, { coachNotes: 'ok' });
    await member.chatter.command('rate');
    await member.chatter.click('★★★');
    await member.chatter.submit({ feedback: '' });
    await member.chatter.send({ type: 'text', text: 'book' });
    expect(member.chatter.text()).not.toContain('already rated');
    expect(member.chatter.text()).toContain('Try /help');
    h.clock.set(START);
  });

  it('a command or a button ends a form being filled by text', async () => {
    await makeCoach(h.db, { name: 'Ending Emma' });
    const chatter = new Chatter(h);
    await chatter.command('help');
    const welcome = chatter.current();
    await chatter.command('signup');
    await chatter.click('Ending Emma');
    await chatter.send({ type: 'text', text: 'Tom' });
    await chatter.command('help');
    await chatter.send({ type: 'text', text: 'Run a marathon' });
    expect(chatter.text()).toContain('Try /help');
    await chatter.command('signup');
    await chatter.click('Ending Emma');
    await chatter.click('Sign up', welcome);
    expect(chatter.text()).toContain('Choose your coach');
    await chatter.send({ type: 'text', text: 'Tom' });
    expect(chatter.text()).toContain('Try /help');
  });
});

describe('a form refused for one input asks for that input again and keeps the others', () => {
  it('a mistyped time zone at signup (modal): the form comes back with the answers and the field to fix', async () => {
    const coach = await makeCoach(h.db, { name: 'Modal Mo' });
    const chatter = new Chatter(h);
    await chatter.command('signup');
    await chatter.click('Modal Mo');
    await chatter.submit({ name: 'Bea', goals: 'Swim', timezone: 'Europe/Berln' });
    const again = chatter.lastForm!;
    expect(again.refused).toMatchObject({ input: 'timezone' });
    expect(again.refused?.message).toMatch(/time zone/i);
    expect(Object.fromEntries(again.inputs.map((i) => [i.id, i.initial]))).toEqual({ name: 'Bea', goals: 'Swim', timezone: 'Europe/Berln' });
    expect(await h.core.chat.account(chatter.user)).toBeNull();
    await chatter.submit({ name: 'Bea', goals: 'Swim', timezone: 'Europe/Berlin' });
    expect(chatter.text()).toContain('Welcome, Bea!');
    expect(await h.core.chat.account(chatter.user)).toMatchObject({ timezone: 'Europe/Berlin', coachId: coach.id });
  });

  it('by text (Telegram): only the refused question is asked again, then the form is submitted with every answer', async () => {
    await makeCoach(h.db, { name: 'Step Stan' });
    const chatter = new Chatter(h);
    await chatter.command('signup');
    await chatter.click('Step Stan');
    await chatter.send({ type: 'text', text: 'Tess' });
    await chatter.send({ type: 'text', text: 'Lift more' });
    await chatter.send({ type: 'text', text: 'Mars/Base' });
    expect(chatter.lastForm?.refused?.input).toBe('timezone');
    await chatter.send({ type: 'text', text: 'Asia/Tokyo' });
    expect(chatter.text()).toContain('Welcome, Tess!');
    const account = await h.core.chat.account(chatter.user);
    expect(account).toMatchObject({ name: 'Tess', timezone: 'Asia/Tokyo' });
    const profile = await h.db.memberProfile.findFirstOrThrow({ where: { userId: account!.userId } });
    expect(profile.goals).toBe('Lift more');
  });

  it('the refused form can be opened again with its answers (Discord)', async () => {
    await makeCoach(h.db, { name: 'Reopen Rae' });
    const chatter = new Chatter(h);
    await chatter.command('signup');
    await chatter.click('Reopen Rae');
    await chatter.submit({ name: 'Ira', goals: '', timezone: 'Nowhere/Land' });
    const reopen = chatter.lastForm!.refused!.reopen;
    const [opened] = await chatter.clickToken(reopen);
    expect(opened?.type === 'form' && opened.form.inputs.find((i) => i.id === 'name')?.initial).toBe('Ira');
    expect(opened?.type === 'form' && opened.form.inputs.find((i) => i.id === 'timezone')?.initial).toBe('Nowhere/Land');
  });
});

describe('unknown commands', () => {
  it('answers with the closest command instead of the help', async () => {
    const chatter = new Chatter(h);
    await chatter.command('bok');
    expect(chatter.text()).toBe('Unknown command /bok. Did you mean /book?');
    await chatter.command('sesions');
    expect(chatter.text()).toBe('Unknown command /sesions. Did you mean /sessions?');
    await chatter.command('xyzzy');
    expect(chatter.text()).toBe('Unknown command /xyzzy. Try /help.');
  });
});
