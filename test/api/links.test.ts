import { describe, expect, it } from 'vitest';
import { makeCoach } from '../helpers/factories.ts';
import { databaseFingerprint, setupApi } from './harness.ts';

// Link codes and linked chat accounts over HTTP: status codes, who may do what, and that a refused
// request writes nothing.

const api = await setupApi();
const MISSING = '00000000-0000-4000-8000-000000000000';

async function linkedAccount(userId: string, platform: 'slack' | 'telegram' = 'slack') {
  const who = { platform, scope: 'T1', platformUserId: `U-${userId}`, dmChannelId: null };
  const issued = await api.core.links.issue({ userId, role: 'Admin', permissions: new Set() }, userId);
  await api.core.links.redeem(who, issued.code);
  return who;
}

describe('POST /users/{id}/link-codes and /me/link-codes', () => {
  it('an admin gets a code for a coach created through the API, and the code links a chat account', async () => {
    const admin = await api.userWithToken('Admin');
    const created = await api.call(admin.token, { method: 'POST', url: '/users', payload: { name: 'Cora Coach', role: 'Coach' } });
    expect(created.statusCode).toBe(201);
    const coachId = created.json<{ id: string }>().id;
    const res = await api.call(admin.token, { method: 'POST', url: `/users/${coachId}/link-codes` });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ code: string; userId: string; expiresAt: string }>();
    expect(body).toEqual({ code: expect.stringMatching(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/), userId: coachId, expiresAt: '2030-01-07T09:15:00.000Z' });
    const linked = await api.core.links.redeem({ platform: 'telegram', scope: 'bot', platformUserId: '42', dmChannelId: '42' }, body.code);
    expect(linked.account).toMatchObject({ userId: coachId, role: 'Coach' });
  });

  it('anyone gets a code for themself; another user\'s is 403 and writes nothing', async () => {
    const member = await api.userWithToken('Member');
    const coach = await api.userWithToken('Coach');
    const mine = await api.call(member.token, { method: 'POST', url: '/me/link-codes' });
    expect(mine.statusCode).toBe(201);
    expect(mine.json()).toMatchObject({ userId: member.id });
    expect((await api.call(member.token, { method: 'POST', url: `/users/${member.id}/link-codes` })).statusCode).toBe(201);
    const before = await databaseFingerprint(api.db);
    const theirs = await api.call(member.token, { method: 'POST', url: `/users/${coach.id}/link-codes` });
    expect(theirs.statusCode).toBe(403);
    expect(theirs.json()).toMatchObject({ error: 'admin_only' });
    expect(await databaseFingerprint(api.db)).toEqual(before);
  });

  it('a bad id is 400 naming the field, an unknown user 404, a deactivated one 422, no token 401', async () => {
    const admin = await api.userWithToken('Admin');
    const bad = await api.call(admin.token, { method: 'POST', url: '/users/nope/link-codes' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('id');
    expect((await api.call(admin.token, { method: 'POST', url: `/users/${MISSING}/link-codes` })).statusCode).toBe(404);
    const gone = await makeCoach(api.db, { isActive: false });
    const inactive = await api.call(admin.token, { method: 'POST', url: `/users/${gone.id}/link-codes` });
    expect(inactive.statusCode).toBe(422);
    expect(inactive.json()).toMatchObject({ error: 'user_inactive' });
    expect((await api.call(null, { method: 'POST', url: '/me/link-codes' })).statusCode).toBe(401);
  });
});

describe('GET and DELETE /users/{id}/chat-identities', () => {
  it('a user lists and unlinks their own chat accounts; the bot no longer knows the account', async () => {
    const coach = await api.userWithToken('Coach');
    const who = await linkedAccount(coach.id);
    const listed = await api.call(coach.token, { method: 'GET', url: `/users/${coach.id}/chat-identities` });
    expect(listed.statusCode).toBe(200);
    const items = listed.json<{ items: { id: string }[] }>().items;
    expect(items).toEqual([
      {
        id: expect.any(String),
        platform: 'slack',
        scope: 'T1',
        platformUserId: who.platformUserId,
        createdAt: expect.any(String),
        lastUsedAt: null,
        unreachableAt: null,
        unreachableReason: null,
        receivesNotices: true,
      },
    ]);
    const removed = await api.call(coach.token, { method: 'DELETE', url: `/users/${coach.id}/chat-identities/${items[0]!.id}` });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({ id: items[0]!.id, platform: 'slack' });
    expect(await api.core.chat.account(who)).toBeNull();
    expect((await api.call(coach.token, { method: 'DELETE', url: `/users/${coach.id}/chat-identities/${items[0]!.id}` })).statusCode).toBe(404);
  });

  it('another user\'s list is 403 and their identity 404, even named under one\'s own id; an admin may do both', async () => {
    const member = await api.userWithToken('Member');
    const other = await api.userWithToken('Member');
    const admin = await api.userWithToken('Admin');
    const theirs = await linkedAccount(other.id, 'telegram');
    const [identity] = await api.core.links.listIdentities({ userId: other.id, role: 'Member', permissions: new Set() }, other.id);
    expect((await api.call(member.token, { method: 'GET', url: `/users/${other.id}/chat-identities` })).statusCode).toBe(403);
    const before = await databaseFingerprint(api.db);
    expect((await api.call(member.token, { method: 'DELETE', url: `/users/${member.id}/chat-identities/${identity!.id}` })).statusCode).toBe(404);
    expect((await api.call(member.token, { method: 'DELETE', url: `/users/${other.id}/chat-identities/${identity!.id}` })).statusCode).toBe(403);
    expect(await databaseFingerprint(api.db)).toEqual(before);
    expect(await api.core.chat.account(theirs)).toMatchObject({ userId: other.id });

    expect((await api.call(admin.token, { method: 'GET', url: `/users/${other.id}/chat-identities` })).json()).toMatchObject({ items: [{ id: identity!.id }] });
    expect((await api.call(admin.token, { method: 'DELETE', url: `/users/${other.id}/chat-identities/${identity!.id}` })).statusCode).toBe(200);
    expect(await api.core.chat.account(theirs)).toBeNull();
  });

  it('an unknown user is 404 and a malformed identity id 400', async () => {
    const admin = await api.userWithToken('Admin');
    expect((await api.call(admin.token, { method: 'GET', url: `/users/${MISSING}/chat-identities` })).statusCode).toBe(404);
    const bad = await api.call(admin.token, { method: 'DELETE', url: `/users/${admin.id}/chat-identities/xyz` });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('identityId');
  });
});
