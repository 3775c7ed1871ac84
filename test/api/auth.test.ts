import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { hashToken } from '../../src/core/tokens/index.ts';
import { makeUser } from '../helpers/factories.ts';
import { setupApi, TEST_API_CONFIG } from './harness.ts';

const api = await setupApi();

function expect401(res: { statusCode: number; json(): unknown }, error: string) {
  expect(res.statusCode).toBe(401);
  expect(res.json()).toMatchObject({ statusCode: 401, error, message: expect.any(String) });
}

describe('bearer token authentication', () => {
  it('answers 401 without a token, with a malformed header, and with an unknown token', async () => {
    expect401(await api.call(null, { method: 'GET', url: '/me' }), 'missing_token');
    expect401(await api.app.inject({ method: 'GET', url: '/me', headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 'invalid_authorization_header');
    expect401(await api.app.inject({ method: 'GET', url: '/me', headers: { authorization: 'Bearer' } }), 'invalid_authorization_header');
    expect401(await api.call('cb_not-a-real-token', { method: 'GET', url: '/me' }), 'invalid_token');
    expect401(await api.call('something-else', { method: 'GET', url: '/me' }), 'invalid_token');
  });

  it('acts as the token\'s user, with that user\'s role and permissions', async () => {
    const coach = await api.userWithToken('Coach');
    const res = await api.call(coach.token, { method: 'GET', url: '/me' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      userId: coach.id,
      role: 'Coach',
      permissions: ['availability:write', 'bookings:write', 'members:read', 'members:write', 'sessions:read', 'sessions:write'],
    });
  });

  it('answers 401 for a revoked token, an expired token and a deactivated user', async () => {
    const member = await api.userWithToken('Member');
    const created = await api.call(member.token, { method: 'POST', url: '/tokens', payload: { name: 'laptop' } });
    expect(created.statusCode).toBe(201);
    const second = created.json() as { id: string; token: string };
    expect((await api.call(second.token, { method: 'GET', url: '/me' })).statusCode).toBe(200);
    const revoked = await api.call(member.token, { method: 'DELETE', url: `/tokens/${second.id}` });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).not.toBeNull();
    expect401(await api.call(second.token, { method: 'GET', url: '/me' }), 'token_revoked');

    const expiring = await api.core.tokens.issue({ user: member.id, expiresAt: new Date(api.clock.now().getTime() + 60_000) });
    expect((await api.call(expiring.token, { method: 'GET', url: '/me' })).statusCode).toBe(200);
    api.clock.advance(61_000);
    expect401(await api.call(expiring.token, { method: 'GET', url: '/me' }), 'token_expired');

    const leaver = await api.userWithToken('Coach');
    await api.db.user.update({ where: { id: leaver.id }, data: { isActive: false } });
    expect401(await api.call(leaver.token, { method: 'GET', url: '/me' }), 'unauthorized');
  });

  it('stores only the sha256 of a token and shows a prefix', async () => {
    const admin = await api.userWithToken('Admin');
    const res = await api.call(admin.token, { method: 'POST', url: '/tokens', payload: { name: 'ci' } });
    const issued = res.json() as { id: string; token: string; prefix: string };
    const row = await api.db.apiToken.findUniqueOrThrow({ where: { id: issued.id } });
    expect(row.tokenHash).toBe(hashToken(issued.token));
    expect(JSON.stringify(row)).not.toContain(issued.token);
    expect(issued.token.startsWith(issued.prefix)).toBe(true);
    const listed = await api.call(admin.token, { method: 'GET', url: '/tokens' });
    expect(JSON.stringify(listed.json())).not.toContain(issued.token);
  });

  it('updates lastUsedAt at most once a minute per token', async () => {
    const coach = await api.userWithToken('Coach');
    const row = () => api.db.apiToken.findFirstOrThrow({ where: { userId: coach.id } });
    expect((await row()).lastUsedAt).toBeNull();
    await api.call(coach.token, { method: 'GET', url: '/me' });
    const first = (await row()).lastUsedAt;
    expect(first).toEqual(api.clock.now());
    api.clock.advance(30_000);
    for (let i = 0; i < 3; i++) await api.call(coach.token, { method: 'GET', url: '/me' });
    expect((await row()).lastUsedAt).toEqual(first);
    api.clock.advance(31_000);
    await api.call(coach.token, { method: 'GET', url: '/me' });
    expect((await row()).lastUsedAt).toEqual(api.clock.now());
  });

  it('lets an admin create a token for another user, and nobody else', async () => {
    const admin = await api.userWithToken('Admin');
    const member = await api.userWithToken('Member');
    const other = await makeUser(api.db, 'Member');
    const forOther = await api.call(admin.token, { method: 'POST', url: '/tokens', payload: { userId: other.id } });
    expect(forOther.statusCode).toBe(201);
    const asOther = await api.call(forOther.json().token, { method: 'GET', url: '/me' });
    expect(asOther.json().userId).toBe(other.id);
    const refused = await api.call(member.token, { method: 'POST', url: '/tokens', payload: { userId: other.id } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe('admin_only');
    // Someone else's token is "not found" to a non-admin, so ids cannot be probed.
    const probe = await api.call(member.token, { method: 'DELETE', url: `/tokens/${forOther.json().id}` });
    expect(probe.statusCode).toBe(404);
  });

  it('issues operator tokens by email or id (the CLI path)', async () => {
    const user = await makeUser(api.db, 'Coach', { email: 'cli.coach@example.com' });
    const byEmail = await api.core.tokens.issue({ user: 'CLI.Coach@example.com', name: 'cli' });
    expect(byEmail.userId).toBe(user.id);
    const byId = await api.core.tokens.issue({ user: user.id });
    expect(byId.userId).toBe(user.id);
    await expect(api.core.tokens.issue({ user: 'nobody@example.com' })).rejects.toMatchObject({ code: 'user_not_found' });
  });
});

describe('logs', () => {
  it('carry request ids and never a bearer token or a calendar feed secret', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = { ...TEST_API_CONFIG, LOG_LEVEL: 'info' as const };
    const app = await buildApp({ core: api.core, db: api.db, config, logger: createApiLogger(config, sink) });
    const member = await api.userWithToken('Member');
    const me = await app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${member.token}` } });
    const feed = await app.inject({ method: 'POST', url: '/me/calendar-feed', headers: { authorization: `Bearer ${member.token}` } });
    const secret = new URL(feed.json().url).pathname.split('/').pop()!.replace('.ics', '');
    await app.inject({ method: 'GET', url: `/calendar/${secret}.ics` });
    await app.inject({ method: 'GET', url: '/me', headers: { authorization: 'Bearer cb_wrong' } });
    await app.close();
    const log = lines.join('');
    expect(log).toContain(me.headers['x-request-id'] as string);
    expect(log).toContain('/calendar/[redacted].ics');
    expect(log).not.toContain(member.token);
    expect(log).not.toContain(secret);
    expect(log).not.toContain('cb_wrong');
  });

  it('never carry a calendar feed secret, whatever the /calendar/... path looks like', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = { ...TEST_API_CONFIG, LOG_LEVEL: 'trace' as const };
    const app = await buildApp({ core: api.core, db: api.db, config, logger: createApiLogger(config, sink) });
    const member = await api.userWithToken('Member');
    const feed = await app.inject({ method: 'POST', url: '/me/calendar-feed', headers: { authorization: `Bearer ${member.token}` } });
    const secret = new URL(feed.json<{ url: string }>().url).pathname.split('/').pop()!.replace('.ics', '');
    const paths = [
      `/calendar/${secret}.ics`,
      `/calendar/${secret}`,
      `/calendar/${secret}.ICS`,
      `/calendar/${secret}.ics?refresh=1`,
      `/CALENDAR/${secret}.ics`,
      `/%63alendar/${secret}.ics`,
      `//calendar/${secret}.ics`,
      `/calendar/${secret}/extra`,
      `/calendar/${secret}%ZZ.ics`,
    ];
    for (const url of paths) await app.inject({ method: 'GET', url });
    await app.close();
    const log = lines.join('');
    expect(log).toContain('/calendar/[redacted].ics');
    expect(log).toContain('/calendar/[redacted].ICS');
    expect(log).toContain('/calendar/[redacted]"');
    expect(log).not.toContain(secret);
  });
});
