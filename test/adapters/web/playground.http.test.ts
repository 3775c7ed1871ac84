import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/api/index.ts';
import { createApiLogger } from '../../../src/api/logger.ts';
import { renderView } from '../../../src/adapters/web/index.ts';
import { loadConfig } from '../../../src/config.ts';
import { attachChat } from '../../../src/roles.ts';
import { setupCore } from '../../helpers/core.ts';
import { actorOf, makeAdmin, makeCoach, makeMember } from '../../helpers/factories.ts';
import { logCapture } from '../../helpers/hostile.ts';
import { testRedis } from '../../api/harness.ts';

const h = await setupCore();
const redis = testRedis();
const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PLAYGROUND_REDIS_PREFIX: `coachbot:test:${process.pid}:${Math.random().toString(36).slice(2)}:` });
const app = await buildApp({ core: h.core, db: h.db, redis, config, logger: createApiLogger(config) });
const { bot } = await attachChat(app, { db: h.db, core: h.core, clock: h.clock, config, redis, logger: createApiLogger(config) });
afterAll(async () => {
  await app.close();
  redis.disconnect();
});

describe('playground over HTTP', () => {
  it('escapes everything a view carries', () => {
    const html = renderView({ summary: 's', blocks: [{ type: 'header', text: '<script>x</script>' }, { type: 'fields', fields: [{ label: '"a"', value: "<img src=x onerror='1'>" }] }, { type: 'actions', elements: [{ type: 'button', label: '<b>', action: 'a.b.c.d' }] }] });
    expect(html).not.toMatch(/<script>|<img|<b>/);
    expect(html).toContain('&lt;script&gt;');
  });

  it('answers bad input with 400 naming the field, and acts as a seeded user', async () => {
    const bad = await app.inject({ method: 'POST', url: '/playground/api/chats/u-x/inputs', payload: { kind: 'say' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/deliveryId|text/);
    expect((await app.inject({ method: 'GET', url: '/playground/api/chats/..%2F..%2Fetc/messages' })).statusCode).toBe(400);
    const member = await makeMember(h.db, { name: 'Hostile <i>name</i>' });
    const chat = (await app.inject({ method: 'POST', url: '/playground/api/chats', payload: { userId: member.id } })).json();
    const said = await app.inject({ method: 'POST', url: `/playground/api/chats/${chat.chatId}/inputs`, payload: { kind: 'say', text: '/profile', deliveryId: 'd1' } });
    expect(said.statusCode).toBe(200);
    const messages = (await app.inject({ method: 'GET', url: `/playground/api/chats/${chat.chatId}/messages` })).json();
    expect(messages.at(-1).html).toContain('Hostile &lt;i&gt;name&lt;/i&gt;');
    expect((await app.inject({ method: 'GET', url: '/playground' })).headers['content-type']).toContain('text/html');
  });

  it('keeps a typed /sessions current: an admin cancelling the session through the API redraws it without the session', async () => {
    const coach = await makeCoach(h.db, { name: 'Coach Web' });
    await h.core.availability.create(await actorOf(h.db, coach), { dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1, bufferMinutes: 0 });
    const member = await makeMember(h.db, { coachId: coach.id });
    const booking = await h.core.bookings.create(await actorOf(h.db, member), { memberId: member.memberId!, coachId: coach.id, requestedDate: '2030-01-08', requestedTime: '10:00' }, 'web-typed-list');
    const chat = (await app.inject({ method: 'POST', url: '/playground/api/chats', payload: { userId: member.id } })).json();
    await app.inject({ method: 'POST', url: `/playground/api/chats/${chat.chatId}/inputs`, payload: { kind: 'say', text: '/sessions', deliveryId: 'typed-list' } });
    const messages = async () => (await app.inject({ method: 'GET', url: `/playground/api/chats/${chat.chatId}/messages` })).json() as { id: string; html: string }[];
    const list = (await messages()).at(-1)!;
    expect(list.html).toContain('Cancel Tue 8 Jan');

    await h.core.sessions.cancel(await actorOf(h.db, await makeAdmin(h.db)), booking.sessionId!, {});
    // What the delivery worker does with each notice the cancel wrote.
    for (const n of await h.db.notification.findMany({ where: { type: 'session.cancelled', payload: { path: ['sessionId'], equals: booking.sessionId! } } })) {
      await bot.redraw({ id: n.id, userId: n.userId, type: n.type, payload: n.payload as Record<string, unknown> });
    }
    const now = (await messages()).find((m) => m.id === list.id)!;
    expect(now.html).toContain('No sessions booked');
    expect(now.html).not.toContain('Cancel Tue 8 Jan');
  });

  it('names its icon inline, so a browser asks for no /favicon.ico', async () => {
    const page = (await app.inject({ method: 'GET', url: '/playground' })).body;
    const icon = /<link rel="icon" href="data:image\/svg\+xml,([^"]+)">/.exec(page);
    expect(decodeURIComponent(icon?.[1] ?? '')).toMatch(/^<svg xmlns='http:\/\/www\.w3\.org\/2000\/svg'[^>]*>.*<\/svg>$/);
  });

  it('tells who a chat is now: a visitor until the chat is linked to a user, then that user', async () => {
    const guest = (await app.inject({ method: 'POST', url: '/playground/api/chats', payload: {} })).json();
    const who = () => app.inject({ method: 'GET', url: `/playground/api/chats/${guest.chatId}` });
    expect((await who()).json()).toEqual({ chatId: guest.chatId, name: 'New visitor', role: 'Guest' });
    const member = await makeMember(h.db, { name: 'Nadia New' });
    await h.core.chat.ensureLink(member.id, { platform: 'web', scope: 'local', platformUserId: guest.chatId });
    expect((await who()).json()).toEqual({ chatId: guest.chatId, userId: member.id, name: 'Nadia New', role: 'Member' });
    const bad = await app.inject({ method: 'GET', url: '/playground/api/chats/x-1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/playground chat id/);
  });

  it('refuses in the API error format: status code, stable code, the field and why', async () => {
    const bad = await app.inject({ method: 'POST', url: '/playground/api/chats/u-x/inputs', payload: { kind: 'say', text: 'hi' } });
    expect(bad.json()).toEqual({ statusCode: 400, error: 'validation_failed', message: expect.stringMatching(/^deliveryId: /), details: { issues: [{ field: 'deliveryId', message: expect.any(String) }] } });
    const badChat = await app.inject({ method: 'GET', url: '/playground/api/chats/nope/messages' });
    expect(badChat.json()).toMatchObject({ statusCode: 400, error: 'validation_failed', message: 'chatId: must be a playground chat id' });
    const badUser = await app.inject({ method: 'POST', url: '/playground/api/chats', payload: { userId: 'x' } });
    expect(badUser.json()).toMatchObject({ statusCode: 400, error: 'validation_failed', message: 'userId: must be a user id' });
    const noUser = await app.inject({ method: 'POST', url: '/playground/api/chats', payload: { userId: '00000000-0000-4000-8000-000000000000' } });
    expect(noUser.statusCode).toBe(404);
    expect(noUser.json()).toMatchObject({ statusCode: 404, error: 'user_not_found' });
    const badJson = await app.inject({ method: 'POST', url: '/playground/api/chats', headers: { 'content-type': 'application/json' }, payload: '{' });
    expect(badJson.json()).toMatchObject({ statusCode: 400, error: 'invalid_json' });
  });

  it('is left out of the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/playground'))).toEqual([]);
  });
});

describe('where the playground is served (it acts as any user without a credential)', () => {
  /** A server with the chat side attached under these variables: its /playground status and its start-up log line. */
  async function served(env: Record<string, string>) {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', ...env });
    const logs = logCapture();
    const logger = pino({ level: 'info' }, logs.stream);
    const server = await buildApp({ core: h.core, db: h.db, config, logger });
    try {
      const { urls } = await attachChat(server, { db: h.db, core: h.core, clock: h.clock, config, redis, logger });
      const status = (await server.inject({ method: 'GET', url: '/playground' })).statusCode;
      return { status, urls, said: logs.lines.filter((l) => l.msg?.startsWith('playground ')).map((l) => l.msg) };
    } finally {
      await server.close();
    }
  }

  it.each(['127.0.0.1', '::1', 'localhost'])('on a server bound to loopback (%s)', async (host) => {
    const { status, urls, said } = await served({ HOST: host });
    expect(status).toBe(200);
    expect(urls).toEqual(['playground: /playground']);
    expect(said).toEqual([`playground served: HOST ${host} is loopback: only this machine reaches it`]);
  });

  it('not on a server bound to every interface (HOST=0.0.0.0) unless PLAYGROUND=on', async () => {
    const open = await served({ HOST: '0.0.0.0' });
    expect(open.status).toBe(404);
    expect(open.urls).toEqual([]);
    expect(open.said).toEqual(['playground not served: HOST 0.0.0.0 is not loopback (PLAYGROUND=on would serve it)']);
    const asked = await served({ HOST: '0.0.0.0', PLAYGROUND: 'on' });
    expect(asked.status).toBe(200);
    expect(asked.said).toEqual(['playground served: PLAYGROUND=on: anyone who reaches this server can act as any user']);
  });

  it('not with PLAYGROUND=off, nor in production unless PLAYGROUND=on', async () => {
    expect((await served({ PLAYGROUND: 'off' })).status).toBe(404);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/BOT_ACTION_SECRET/);
    const prod = { NODE_ENV: 'production', BOT_ACTION_SECRET: 'a-production-secret-of-length' };
    expect(await served(prod)).toMatchObject({ status: 404, urls: [] });
    expect((await served({ ...prod, PLAYGROUND: 'on' })).status).toBe(200);
    expect(() => loadConfig({ PLAYGROUND: 'yes' })).toThrow('PLAYGROUND is "yes": expected on or off (or unset)');
  });
});
