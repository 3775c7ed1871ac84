import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/core/index.ts';
import { ACCOUNT_WINDOW_MS, CODE_ALPHABET, CODE_TTL_MS, GUESSES_OVERALL, GUESSES_PER_ACCOUNT, OVERALL_WINDOW_MS } from '../../src/core/links/index.ts';
import { setupCore } from '../helpers/core.ts';
import { actorOf, makeAdmin, makeCoach, makeMember } from '../helpers/factories.ts';

const { core, db, clock } = await setupCore();

let nextAccount = 0;
/** A chat account nobody has used yet. */
function account(platform: 'slack' | 'telegram' | 'discord' = 'telegram') {
  return { platform, scope: 'scope-1', platformUserId: `p${++nextAccount}`, dmChannelId: null };
}

/** The error a promise rejects with, so its code can be checked. */
async function refusal(p: Promise<unknown>): Promise<DomainError & { retryAfterSeconds?: number }> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!error) throw new Error('expected a refusal');
  return error as DomainError;
}

const WRONG = 'ZZZZ-ZZZZ';

async function admin() {
  return actorOf(db, await makeAdmin(db));
}

// Every test starts with both guess windows empty, whatever the one before it tried.
beforeEach(() => clock.advance(ACCOUNT_WINDOW_MS + OVERALL_WINDOW_MS));

describe('link codes: issuing', () => {
  it('an admin gets a short code for a coach: 8 characters without look-alikes, stored only as its sha256, 15 minutes', async () => {
    const coach = await makeCoach(db);
    const issued = await core.links.issue(await admin(), coach.id);
    expect(issued.code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    expect(issued.expiresAt.getTime() - clock.now().getTime()).toBe(CODE_TTL_MS);
    const rows = await db.linkCode.findMany({ where: { userId: coach.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.codeHash).toBe(createHash('sha256').update(issued.code.replace('-', '')).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(issued.code.replace('-', ''));
    expect(CODE_ALPHABET).not.toMatch(/[01IO]/);
    expect(CODE_ALPHABET).toHaveLength(32);
  });

  it('a user gets a code for themself only; an unknown user is a 404 and a deactivated one a 422', async () => {
    const member = await makeMember(db);
    const other = await makeMember(db);
    const self = await actorOf(db, member);
    expect((await core.links.issue(self, member.id)).userId).toBe(member.id);
    expect((await refusal(core.links.issue(self, other.id))).code).toBe('admin_only');
    expect(await db.linkCode.count({ where: { userId: other.id } })).toBe(0);
    expect((await refusal(core.links.issue(await admin(), '00000000-0000-4000-8000-000000000000'))).code).toBe('user_not_found');
    const gone = await makeCoach(db, { isActive: false });
    expect((await refusal(core.links.issue(await admin(), gone.id))).code).toBe('user_inactive');
    expect((await refusal(core.links.issue(self, 'not-a-uuid'))).code).toBe('validation_failed');
  });

  it('the operator names the user by email or id', async () => {
    const coach = await makeCoach(db, { email: 'cora.links@example.com' });
    expect((await core.links.issueAsOperator('CORA.links@example.com')).userId).toBe(coach.id);
    expect((await core.links.issueAsOperator(coach.id)).userId).toBe(coach.id);
    expect((await refusal(core.links.issueAsOperator('nobody@example.com'))).code).toBe('user_not_found');
  });

  it('a new code retires the earlier one still unused', async () => {
    const coach = await makeCoach(db);
    const first = await core.links.issue(await admin(), coach.id);
    const second = await core.links.issue(await admin(), coach.id);
    expect((await refusal(core.links.redeem(account(), first.code))).code).toBe('link_code_expired');
    expect((await core.links.redeem(account(), second.code)).account.userId).toBe(coach.id);
  });
});

describe('link codes: issued at once', () => {
  it('two codes asked for at the same moment: one stays live, the other is retired', async () => {
    const coach = await makeCoach(db);
    const boss = await admin();
    await Promise.all([core.links.issue(boss, coach.id), core.links.issue(boss, coach.id), core.links.issue(boss, coach.id)]);
    expect(await db.linkCode.count({ where: { userId: coach.id, expiresAt: { gt: clock.now() } } })).toBe(1);
  });
});

describe('link codes: /link', () => {
  it('links the chat account to the coach, once; typed in any case, with or without the dash', async () => {
    const coach = await makeCoach(db, { name: 'Cora Coach' });
    const { code } = await core.links.issue(await admin(), coach.id);
    const who = account('slack');
    const linked = await core.links.redeem(who, ` ${code.toLowerCase().replace('-', ' ')} `);
    expect(linked).toMatchObject({ alreadyLinked: false, replacedEarlier: false, account: { userId: coach.id, name: 'Cora Coach', role: 'Coach' } });
    expect(await core.chat.account(who)).toMatchObject({ userId: coach.id });
    // The same code again, from another account: used, and nothing changes.
    const late = account('telegram');
    expect((await refusal(core.links.redeem(late, code))).code).toBe('link_code_used');
    expect(await core.chat.account(late)).toBeNull();
  });

  it('a wrong, an expired and a malformed code change nothing and say which', async () => {
    const coach = await makeCoach(db);
    const { code } = await core.links.issue(await admin(), coach.id);
    const who = account();
    expect((await refusal(core.links.redeem(who, WRONG))).code).toBe('link_code_unknown');
    expect((await refusal(core.links.redeem(who, 'hello'))).code).toBe('link_code_malformed');
    expect((await refusal(core.links.redeem(who, 'O0I1-O0I1'))).code).toBe('link_code_malformed');
    // The wrong code was a guess; the malformed ones could not be one and were not counted.
    expect(await db.linkGuess.count({ where: { platformUserId: who.platformUserId } })).toBe(1);
    clock.advance(CODE_TTL_MS);
    expect((await refusal(core.links.redeem(who, code))).code).toBe('link_code_expired');
    expect(await core.chat.account(who)).toBeNull();
    expect(await db.linkCode.findFirstOrThrow({ where: { userId: coach.id } })).toMatchObject({ usedAt: null });
  });

  it('an account is throttled after its wrong tries: even the right code is not looked at until the window has passed', async () => {
    const coach = await makeCoach(db);
    const who = account();
    for (let i = 0; i < GUESSES_PER_ACCOUNT; i++) {
      expect((await refusal(core.links.redeem(who, WRONG))).code).toBe('link_code_unknown');
      clock.advance(1000);
    }
    const { code } = await core.links.issue(await admin(), coach.id);
    const throttled = await refusal(core.links.redeem(who, code));
    expect(throttled.code).toBe('link_throttled');
    // The first wrong try leaves the window 15 minutes after it was made.
    expect(throttled.retryAfterSeconds).toBe(ACCOUNT_WINDOW_MS / 1000 - GUESSES_PER_ACCOUNT);
    expect(await core.chat.account(who)).toBeNull();
    expect(await db.linkCode.findFirstOrThrow({ where: { userId: coach.id } })).toMatchObject({ usedAt: null });
    // Another account is not held back by this one's tries.
    const other = account();
    expect((await refusal(core.links.redeem(other, WRONG))).code).toBe('link_code_unknown');
    clock.advance(throttled.retryAfterSeconds! * 1000);
    expect((await core.links.redeem(who, code)).account.userId).toBe(coach.id);
  });

  it('wrong tries across all accounts are capped too, so many accounts cannot enumerate codes', async () => {
    const coach = await makeCoach(db);
    for (let i = 0; i < GUESSES_OVERALL; i++) expect((await refusal(core.links.redeem(account(), WRONG))).code).toBe('link_code_unknown');
    const { code } = await core.links.issue(await admin(), coach.id);
    const fresh = account();
    const throttled = await refusal(core.links.redeem(fresh, code));
    expect(throttled.code).toBe('link_throttled');
    expect(throttled.retryAfterSeconds).toBe(OVERALL_WINDOW_MS / 1000);
    clock.advance(OVERALL_WINDOW_MS);
    expect((await core.links.redeem(fresh, code)).account.userId).toBe(coach.id);
  });

  it('an account linked to someone else is refused and the code stays unused; the same user again is told so', async () => {
    const member = await makeMember(db);
    const coach = await makeCoach(db);
    const who = account();
    await core.chat.ensureLink(member.id, who);
    const { code } = await core.links.issue(await admin(), coach.id);
    expect((await refusal(core.links.redeem(who, code))).code).toBe('chat_account_linked_elsewhere');
    expect(await core.chat.account(who)).toMatchObject({ userId: member.id });
    const mine = await core.links.issue(await actorOf(db, member), member.id);
    expect(await core.links.redeem(who, mine.code)).toMatchObject({ alreadyLinked: true, account: { userId: member.id } });
    expect(await db.linkCode.count({ where: { usedAt: { not: null }, userId: { in: [member.id, coach.id] } } })).toBe(0);
  });

  it('a code for a user deactivated since it was issued links nothing', async () => {
    const coach = await makeCoach(db);
    const { code } = await core.links.issue(await admin(), coach.id);
    await db.user.update({ where: { id: coach.id }, data: { isActive: false } });
    const who = account();
    expect((await refusal(core.links.redeem(who, code))).code).toBe('user_inactive');
    expect(await core.chat.account(who)).toBeNull();
  });

  it('one account per platform: linking a second Telegram account replaces the first, and forgets what the first left behind', async () => {
    const coach = await makeCoach(db);
    const boss = await admin();
    const first = account('telegram');
    const slack = account('slack');
    await core.links.redeem(first, (await core.links.issue(boss, coach.id)).code);
    await core.links.redeem(slack, (await core.links.issue(boss, coach.id)).code);
    await core.chat.writeState(first, 'form', { half: 'filled' }, 60_000);
    await core.chat.rememberLive({
      platform: 'telegram', channelId: first.platformUserId, messageId: 'm1', viewerId: coach.id, coachId: coach.id, sessionId: null,
      startsAt: clock.now(), endsAt: clock.now(), screen: { kind: 'today' }, expiresAt: new Date(clock.now().getTime() + 60_000),
    });
    const second = account('telegram');
    const linked = await core.links.redeem(second, (await core.links.issue(boss, coach.id)).code);
    expect(linked.replacedEarlier).toBe(true);
    expect(await core.chat.account(first)).toBeNull();
    expect(await core.chat.readState(first, 'form')).toBeNull();
    expect(await db.chatLiveMessage.count({ where: { viewerId: coach.id } })).toBe(0);
    expect((await core.links.listIdentities(boss, coach.id)).map((i) => [i.platform, i.platformUserId])).toEqual([
      ['slack', slack.platformUserId],
      ['telegram', second.platformUserId],
    ]);
  });

  it('two /link with one code at the same moment: exactly one account wins', async () => {
    const coach = await makeCoach(db);
    const { code } = await core.links.issue(await admin(), coach.id);
    const tries = [account('slack'), account('discord')];
    const outcomes = await Promise.allSettled(tries.map((who) => core.links.redeem(who, code)));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await db.chatIdentity.count({ where: { userId: coach.id } })).toBe(1);
  });

  it('property: a code links at most one account, whatever the tries and their interleaving', async () => {
    const boss = await admin();
    const tryArb = fc.record({ account: fc.integer({ min: 0, max: 3 }), right: fc.boolean(), platform: fc.constantFrom('slack' as const, 'telegram' as const) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(tryArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }), async (batches) => {
        clock.advance(ACCOUNT_WINDOW_MS + OVERALL_WINDOW_MS);
        const coach = await makeCoach(db);
        const { code } = await core.links.issue(boss, coach.id);
        const run = ++nextAccount;
        let wins = 0;
        for (const batch of batches) {
          // Tries in a batch run at once; batches run one after another.
          const outcomes = await Promise.allSettled(
            batch.map((t) => core.links.redeem({ platform: t.platform, scope: 'prop', platformUserId: `${run}-${t.account}`, dmChannelId: null }, t.right ? code : WRONG)),
          );
          for (const o of outcomes) if (o.status === 'fulfilled' && !o.value.alreadyLinked) wins++;
          for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as DomainError).code).toMatch(/^link_|^chat_account/);
        }
        expect(wins).toBeLessThanOrEqual(1);
        const identities = await db.chatIdentity.count({ where: { userId: coach.id } });
        const spent = await db.linkCode.count({ where: { userId: coach.id, usedAt: { not: null } } });
        expect(identities).toBe(wins);
        expect(spent).toBe(wins);
      }),
      { numRuns: 100 },
    );
  });
});

describe('chat identities: listing, removing, /unlink', () => {
  it('a user lists and removes their own; another user\'s list is refused and their identity is a 404', async () => {
    const member = await makeMember(db);
    const other = await makeMember(db);
    const self = await actorOf(db, member);
    const who = account('discord');
    await core.links.redeem(who, (await core.links.issue(self, member.id)).code);
    const theirs = account('discord');
    await core.links.redeem(theirs, (await core.links.issue(await actorOf(db, other), other.id)).code);
    const [mine] = await core.links.listIdentities(self, member.id);
    expect(mine).toMatchObject({ platform: 'discord', scope: 'scope-1', platformUserId: who.platformUserId });
    expect((await refusal(core.links.listIdentities(self, other.id))).code).toBe('admin_only');
    const [otherIdentity] = await core.links.listIdentities(await admin(), other.id);
    expect((await refusal(core.links.removeIdentity(self, member.id, otherIdentity!.id))).code).toBe('chat_identity_not_found');
    expect((await refusal(core.links.removeIdentity(self, other.id, otherIdentity!.id))).code).toBe('admin_only');
    expect(await core.chat.account(theirs)).toMatchObject({ userId: other.id });
    expect(await core.links.removeIdentity(self, member.id, mine!.id)).toMatchObject({ id: mine!.id });
    expect(await core.chat.account(who)).toBeNull();
    expect((await refusal(core.links.removeIdentity(self, member.id, mine!.id))).code).toBe('chat_identity_not_found');
  });

  it('/unlink forgets the chat account talking, if still the link it was asked about, and nothing else of the user', async () => {
    const coach = await makeCoach(db);
    const boss = await admin();
    const slack = account('slack');
    const telegram = account('telegram');
    await core.links.redeem(slack, (await core.links.issue(boss, coach.id)).code);
    await core.links.redeem(telegram, (await core.links.issue(boss, coach.id)).code);
    const asked = await core.links.getIdentity(slack);
    // A confirmation drawn for another link (one made since) forgets nothing.
    expect(await core.links.unlink(slack, '00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await core.chat.account(slack)).toMatchObject({ userId: coach.id });
    expect(await core.links.unlink(slack, asked!.id)).toEqual({ userId: coach.id });
    expect(await core.chat.account(slack)).toBeNull();
    expect(await core.chat.account(telegram)).toMatchObject({ userId: coach.id });
    expect(await core.links.unlink(slack, asked!.id)).toBeNull();
  });
});
