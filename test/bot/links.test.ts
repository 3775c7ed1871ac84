import { describe, expect, it } from 'vitest';
import { ACCOUNT_WINDOW_MS, GUESSES_PER_ACCOUNT, OVERALL_WINDOW_MS } from '../../src/core/links/index.ts';
import { actorOf, makeAdmin, makeCoach } from '../helpers/factories.ts';
import { Chatter, linkedMember, setupBot } from './harness.ts';

// `/link <code>` and `/unlink` through the neutral bot, as any adapter drives it.

const h = await setupBot();
const UNKNOWN = 'I do not know you yet: send /signup to join as a member, or /link with the code you were given if you already have an account.';

async function coachWithCode(name = 'Cora Coach') {
  const coach = await makeCoach(h.db, { name });
  const admin = await actorOf(h.db, await makeAdmin(h.db));
  const { code } = await h.core.links.issue(admin, coach.id);
  return { coach, code };
}

describe('/link and /unlink in chat', () => {
  it('a coach made by an admin links with a code and then has /today', async () => {
    const { coach, code } = await coachWithCode();
    const chatter = new Chatter(h);
    await chatter.command('today');
    expect(chatter.text()).toBe(UNKNOWN);
    await chatter.command('link', code);
    expect(chatter.text()).toContain('You are Cora Coach here');
    expect(chatter.text()).toContain('This playground account is now linked to Cora Coach (coach).');
    await chatter.command('today');
    expect(chatter.text()).toContain('Today and this week');
    // The button on the answer is signed for the coach, so it works from this chat now.
    expect((await h.core.chat.account(chatter.user))?.userId).toBe(coach.id);
  });

  it('the same code a second time, a wrong one and a made-up one each say so and change nothing', async () => {
    const { code } = await coachWithCode();
    await new Chatter(h).command('link', code);
    const late = new Chatter(h);
    await late.command('link', code);
    expect(late.text()).toBe('That link code was already used, so nothing was changed. Please ask for a new one.');
    await late.command('link', 'ZZZZ-ZZZZ');
    expect(late.text()).toContain('not right, so nothing was changed');
    await late.command('link', 'please');
    expect(late.text()).toContain('a code is 8 letters and digits');
    await late.command('link');
    expect(late.text()).toContain('send /link followed by the code');
    expect(await h.core.chat.account(late.user)).toBeNull();
  });

  it('after too many wrong codes /link says when to try again, and then a code works again', async () => {
    h.clock.advance(ACCOUNT_WINDOW_MS + OVERALL_WINDOW_MS);
    const chatter = new Chatter(h);
    for (let i = 0; i < GUESSES_PER_ACCOUNT; i++) await chatter.command('link', 'ZZZZ-ZZZZ');
    const { coach, code } = await coachWithCode('Tess Throttled');
    await chatter.command('link', code);
    expect(chatter.text()).toBe('Too many wrong link codes, so nothing was changed. Please try again in 15 minutes.');
    expect(await h.core.chat.account(chatter.user)).toBeNull();
    h.clock.advance(ACCOUNT_WINDOW_MS);
    const fresh = await h.core.links.issue(await actorOf(h.db, coach), coach.id);
    await chatter.command('link', fresh.code);
    expect(chatter.text()).toContain('You are Tess Throttled here');
  });

  it('a chat already linked to someone else is told to /unlink first', async () => {
    const { code } = await coachWithCode();
    const { chatter, member } = await linkedMember(h, null);
    await chatter.command('link', code);
    expect(chatter.text()).toBe('This chat account is linked to someone else. Send /unlink first, then /link again.');
    expect((await h.core.chat.account(chatter.user))?.userId).toBe(member.id);
  });

  it('/unlink asks first: Keep changes nothing, Unlink forgets the chat, and old buttons stop working', async () => {
    const { code } = await coachWithCode('Una Unlink');
    const chatter = new Chatter(h);
    await chatter.command('link', code);
    const linkedScreen = chatter.current()!;
    await chatter.command('unlink');
    expect(chatter.text()).toContain('This playground account is linked to Una Unlink.');
    await chatter.click('Keep it');
    expect(chatter.text()).toBe('Nothing changed. This playground account is still linked to Una Unlink.');
    expect(await h.core.chat.account(chatter.user)).not.toBeNull();

    await chatter.command('unlink');
    const question = chatter.current()!;
    await chatter.click('Unlink');
    expect(chatter.text()).toContain('This playground account is no longer linked to Una Unlink.');
    expect(chatter.text()).toContain('no longer kept up to date');
    expect(await h.core.chat.account(chatter.user)).toBeNull();
    // The confirmation, pressed again as a new click, and the buttons drawn for the coach do nothing now.
    await chatter.click('Unlink', question);
    expect(chatter.lastNotice).toMatch(/not valid for you/);
    await chatter.click('Today', linkedScreen);
    expect(chatter.lastNotice).toMatch(/not valid for you/);
    await chatter.command('today');
    expect(chatter.text()).toBe(UNKNOWN);
  });

  it('an Unlink confirmation from before the chat was linked again changes nothing and says it is out of date', async () => {
    const { coach, code } = await coachWithCode('Otto Old');
    const chatter = new Chatter(h);
    await chatter.command('link', code);
    await chatter.command('unlink');
    const oldQuestion = chatter.current()!;
    await chatter.command('unlink');
    await chatter.click('Unlink');
    const again = await h.core.links.issue(await actorOf(h.db, coach), coach.id);
    await chatter.command('link', again.code);
    await chatter.click('Unlink', oldQuestion);
    expect(chatter.lastNotice).toBe('That question is out of date: this chat was linked again since, so nothing was changed. Send /unlink again if you meant it.');
    expect((await h.core.chat.account(chatter.user))?.userId).toBe(coach.id);
  });

  it('someone unknown writing anything is told in one sentence how to sign up or link', async () => {
    const stranger = new Chatter(h);
    await stranger.send({ type: 'text', text: 'hello?' });
    expect(stranger.text()).toBe(UNKNOWN);
    await stranger.command('unlink');
    expect(stranger.text()).toBe(UNKNOWN);
    await stranger.command('help');
    expect(stranger.text()).toContain(UNKNOWN);
  });
});
