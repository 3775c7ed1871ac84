import { describe, expect, it } from 'vitest';
import { seedSession } from '../core/sessions.fixtures.ts';
import { DAY } from '../core/sessions.fixtures.ts';
import { TEST_EPOCH } from '../helpers/core.ts';
import { databaseFingerprint, setupApi } from './harness.ts';

// Issue 32 over HTTP: where notices go (PATCH /me preferredPlatform, what admins see, unlinking the
// preferred account), and sessions carrying their commitments.

const api = await setupApi();

async function link(userId: string, platform: 'slack' | 'telegram') {
  const who = { platform, scope: 'T1', platformUserId: `${platform}-${userId}`, dmChannelId: null };
  const issued = await api.core.links.issue({ userId, role: 'Admin', permissions: new Set() }, userId);
  await api.core.links.redeem(who, issued.code);
  return who;
}

type Identity = { id: string; platform: string; receivesNotices: boolean; lastUsedAt: string | null };

describe('PATCH /me preferredPlatform, and what an admin sees', () => {
  it('a member chooses one of their linked platforms; an unlinked one is 422 naming the field, a made-up one 400, and neither writes', async () => {
    const member = await api.userWithToken('Member');
    const admin = await api.userWithToken('Admin');
    await link(member.id, 'slack');
    await link(member.id, 'telegram');
    // Telegram was linked (used) last: notices go there by default.
    await api.core.chat.touch({ platform: 'telegram', scope: 'T1', platformUserId: `telegram-${member.id}` });
    const listed = async () => (await api.call(admin.token, { method: 'GET', url: `/users/${member.id}/chat-identities` })).json<{ items: Identity[] }>().items;
    expect((await listed()).filter((i) => i.receivesNotices).map((i) => i.platform)).toEqual(['telegram']);

    const chosen = await api.call(member.token, { method: 'PATCH', url: '/me', payload: { preferredPlatform: 'slack' } });
    expect(chosen.statusCode).toBe(200);
    expect(chosen.json()).toMatchObject({ id: member.id, preferredPlatform: 'slack' });
    expect((await api.call(admin.token, { method: 'GET', url: `/users/${member.id}` })).json()).toMatchObject({ preferredPlatform: 'slack' });
    expect((await listed()).filter((i) => i.receivesNotices).map((i) => i.platform)).toEqual(['slack']);

    const before = await databaseFingerprint(api.db);
    const unlinked = await api.call(member.token, { method: 'PATCH', url: '/me', payload: { preferredPlatform: 'discord' } });
    expect(unlinked.statusCode).toBe(422);
    expect(unlinked.json()).toMatchObject({ error: 'platform_not_linked' });
    expect(unlinked.json().message).toContain('preferredPlatform');
    const madeUp = await api.call(member.token, { method: 'PATCH', url: '/me', payload: { preferredPlatform: 'myspace' } });
    expect(madeUp.statusCode).toBe(400);
    expect(JSON.stringify(madeUp.json())).toContain('preferredPlatform');
    expect(await databaseFingerprint(api.db)).toEqual(before);
    // (The fingerprint leaves the preference out, as bookkeeping a genuine button may write: checked here.)
    expect((await api.call(admin.token, { method: 'GET', url: `/users/${member.id}` })).json()).toMatchObject({ preferredPlatform: 'slack' });

    // Unlinking the preferred account drops the choice: notices move to the next (Telegram).
    const slack = (await listed()).find((i) => i.platform === 'slack')!;
    expect((await api.call(member.token, { method: 'DELETE', url: `/users/${member.id}/chat-identities/${slack.id}` })).statusCode).toBe(200);
    expect((await api.call(member.token, { method: 'GET', url: `/users/${member.id}` })).json()).toMatchObject({ preferredPlatform: null });
    expect((await listed()).map((i) => [i.platform, i.receivesNotices])).toEqual([['telegram', true]]);

    // null goes back to the platform last used.
    const reset = await api.call(member.token, { method: 'PATCH', url: '/me', payload: { preferredPlatform: null } });
    expect(reset.json()).toMatchObject({ preferredPlatform: null });
  });
});

describe('GET /sessions/{id} and a member history carry commitments', () => {
  it('completed with commitments, both parties read them; the member does not read the private notes', async () => {
    const coach = await api.userWithToken('Coach');
    const member = await api.userWithToken('Member', { coachId: coach.id });
    api.clock.set(TEST_EPOCH.getTime() + 10 * DAY);
    const s = await seedSession(api.db, { coach, member, scheduledAt: new Date(api.clock.now().getTime() - DAY), status: 'scheduled' });
    const bad = await api.call(coach.token, { method: 'PATCH', url: `/sessions/${s.id}/complete`, payload: { coachNotes: 'n', commitments: [{ text: 'x', extra: 1 }] } });
    expect(bad.statusCode).toBe(400);
    const done = await api.call(coach.token, {
      method: 'PATCH',
      url: `/sessions/${s.id}/complete`,
      payload: { coachNotes: 'PRIVATE note', commitments: [{ text: 'Walk daily', dueDate: '2030-02-01' }, { text: 'Journal' }] },
    });
    expect(done.statusCode).toBe(200);
    const asMember = await api.call(member.token, { method: 'GET', url: `/sessions/${s.id}` });
    expect(asMember.json()).toMatchObject({ commitments: [{ text: 'Walk daily', dueDate: '2030-02-01', doneAt: null }, { text: 'Journal', dueDate: null, doneAt: null }] });
    expect(JSON.stringify(asMember.json())).not.toContain('PRIVATE');
    const history = await api.call(member.token, { method: 'GET', url: `/sessions/member/${member.memberId}` });
    expect(history.statusCode).toBe(200);
    expect(history.json().items.find((i: { id: string }) => i.id === s.id)).toMatchObject({ commitments: [{ text: 'Walk daily' }, { text: 'Journal' }] });
    api.clock.set(TEST_EPOCH);
  });
});
