import { describe, expect, it } from 'vitest';
import { makeCoach } from '../helpers/factories.ts';
import { Chatter, setupBot } from './harness.ts';

const h = await setupBot();

describe('signup through the bot', () => {
  it('the first /signup picks a coach open for signup, asks goals and time zone, creates the member and links the chat user', async () => {
    const open = await makeCoach(h.db, { name: 'Open Olga' });
    await makeCoach(h.db, { name: 'Closed Claus', isAcceptingMembers: false });
    const chatter = new Chatter(h, undefined, { displayName: 'Nia', timezone: 'America/New_York' });
    await chatter.command('signup');
    expect(chatter.text()).toContain('Open Olga');
    expect(chatter.text()).not.toContain('Closed Claus');
    await chatter.click('Open Olga');
    expect(chatter.lastForm?.inputs.map((i) => i.id)).toEqual(['name', 'goals', 'timezone']);
    expect(chatter.lastForm?.inputs.find((i) => i.id === 'timezone')?.initial).toBe('America/New_York');
    await chatter.submit({ name: 'Nia', goals: 'Run 10k', timezone: 'America/New_York' });
    expect(chatter.text()).toContain('Welcome, Nia!');
    expect(chatter.text()).toContain('Open Olga');
    const account = await h.core.chat.account(chatter.user);
    expect(account).toMatchObject({ name: 'Nia', role: 'Member', timezone: 'America/New_York', coachId: open.id });
    await chatter.command('signup');
    expect(chatter.text()).toContain('already signed up');
  });

  it('a bad time zone is answered with the field and creates nothing', async () => {
    const coach = await makeCoach(h.db, { name: 'Zed' });
    const chatter = new Chatter(h);
    await chatter.command('signup');
    await chatter.click('Zed');
    await chatter.submit({ name: 'Bob', goals: '', timezone: 'Mars/Base' });
    expect(chatter.lastForm?.refused).toMatchObject({ input: 'timezone' });
    expect(await h.core.chat.account(chatter.user)).toBeNull();
    expect(coach.id).toBeTruthy();
  });

  it('a form filled one answer at a time by text (Telegram) keeps its state in PostgreSQL and submits at the end', async () => {
    await makeCoach(h.db, { name: 'Tina Text' });
    const chatter = new Chatter(h);
    await chatter.command('signup');
    await chatter.click('Tina Text');
    await chatter.send({ type: 'text', text: 'Tom' });
    expect(chatter.text()).toMatch(/goals/i);
    await chatter.send({ type: 'text', text: '-' });
    expect(chatter.text()).toMatch(/time zone/i);
    await chatter.send({ type: 'text', text: 'Asia/Tokyo' });
    expect(chatter.text()).toContain('Welcome, Tom!');
    expect(await h.core.chat.account(chatter.user)).toMatchObject({ timezone: 'Asia/Tokyo' });
  });

  it('a stranger pressing a member-only command is asked to sign up', async () => {
    const chatter = new Chatter(h);
    await chatter.command('book');
    expect(chatter.text()).toContain('/signup');
    await chatter.command('help');
    expect(chatter.text()).toContain('/signup');
  });
});
