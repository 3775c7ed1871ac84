import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/api/index.ts';
import { createApiLogger } from '../../../src/api/logger.ts';
import { renderView } from '../../../src/adapters/web/index.ts';
import { loadConfig } from '../../../src/config.ts';
import { attachChat } from '../../../src/roles.ts';
import { setupCore } from '../../helpers/core.ts';
import { makeMember } from '../../helpers/factories.ts';
import { testRedis } from '../../api/harness.ts';

const h = await setupCore();
const redis = testRedis();
const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PLAYGROUND_REDIS_PREFIX: `coachbot:test:${process.pid}:${Math.random().toString(36).slice(2)}:` });
const app = await buildApp({ core: h.core, db: h.db, redis, config, logger: createApiLogger(config) });
await attachChat(app, { db: h.db, core: h.core, clock: h.clock, config, redis, logger: createApiLogger(config) });
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

  it('is not served in production', async () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/BOT_ACTION_SECRET/);
    const prod = loadConfig({ NODE_ENV: 'production', BOT_ACTION_SECRET: 'a-production-secret-of-length' });
    const server = await buildApp({ core: h.core, db: h.db, config: prod, logger: createApiLogger({ ...prod, LOG_LEVEL: 'silent' }) });
    const { urls } = await attachChat(server, { db: h.db, core: h.core, clock: h.clock, config: prod, redis, logger: createApiLogger({ ...prod, LOG_LEVEL: 'silent' }) });
    expect(urls).toEqual([]);
    expect((await server.inject({ method: 'GET', url: '/playground' })).statusCode).toBe(404);
    await server.close();
  });
});
