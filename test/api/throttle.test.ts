import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { setupApi, TEST_API_CONFIG, uniqueRateLimitPrefix } from './harness.ts';

// Rate limits key on who a request proves to be: a verified token counts against its user, and a
// credential that does not verify (a bearer token, a calendar feed secret) counts against its IP in
// a stricter budget. Before, each random bearer got a bucket of its own, so 70 guesses in a row all
// got 401 and none 429. Budgets live in the shared Redis, under a prefix of this test's own.

const api = await setupApi();
const FAILURES = 30;
const PER_USER = 5;

async function limitedApp(prefix = uniqueRateLimitPrefix()): Promise<{ app: FastifyInstance; prefix: string }> {
  const config = { ...TEST_API_CONFIG, API_AUTH_FAILURES_PER_MINUTE: FAILURES, API_RATE_LIMIT_PER_MINUTE: PER_USER, API_RATE_LIMIT_KEY_PREFIX: prefix };
  const app = await buildApp({ core: api.core, db: api.db, redis: api.redis, config, logger: createApiLogger(config) });
  afterAll(() => app.close());
  return { app, prefix };
}

const guessToken = () => `cb_${randomBytes(32).toString('base64url')}`;
const guessSecret = () => randomBytes(32).toString('base64url');
const me = (app: FastifyInstance, token: string, ip: string) =>
  app.inject({ method: 'GET', url: '/me', remoteAddress: ip, headers: { authorization: `Bearer ${token}` } });

describe('failed authentications are throttled per IP', () => {
  it(`70 guessed tokens in a row: ${FAILURES} answer 401, every later one 429, and Redis holds one key for the IP, none per guess`, async () => {
    const { app, prefix } = await limitedApp();
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) statuses.push((await me(app, guessToken(), '198.51.100.1')).statusCode);
    expect(statuses.slice(0, FAILURES)).toEqual(Array(FAILURES).fill(401));
    expect(statuses.slice(FAILURES)).toEqual(Array(70 - FAILURES).fill(429));
    const keys = await api.redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toContain('failed-credentials:198.51.100.1');
  });

  it('a spent IP is refused even a right token (a lucky guess is not told apart); other IPs are not affected', async () => {
    const { app } = await limitedApp();
    const user = await api.userWithToken('Member');
    for (let i = 0; i < FAILURES; i++) expect((await me(app, guessToken(), '198.51.100.2')).statusCode).toBe(401);
    const refused = await me(app, user.token, '198.51.100.2');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ statusCode: 429, error: 'rate_limited', message: expect.any(String) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await me(app, user.token, '198.51.100.3')).statusCode).toBe(200);
  });

  it('70 guessed calendar feed secrets in a row: 404 until the budget is spent, then 429; the real feed answers from elsewhere', async () => {
    const { app } = await limitedApp();
    const owner = await api.userWithToken('Member');
    const feed = await me(app, owner.token, '198.51.100.4').then(() =>
      app.inject({ method: 'POST', url: '/me/calendar-feed', remoteAddress: '198.51.100.4', headers: { authorization: `Bearer ${owner.token}` } }),
    );
    const feedPath = new URL(feed.json<{ url: string }>().url).pathname;
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) statuses.push((await app.inject({ method: 'GET', url: `/calendar/${guessSecret()}.ics`, remoteAddress: '198.51.100.5' })).statusCode);
    expect(statuses.slice(0, FAILURES)).toEqual(Array(FAILURES).fill(404));
    expect(statuses.slice(FAILURES)).toEqual(Array(70 - FAILURES).fill(429));
    expect((await app.inject({ method: 'GET', url: feedPath, remoteAddress: '198.51.100.5' })).statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: feedPath, remoteAddress: '198.51.100.6' })).statusCode).toBe(200);
  });

  it('the budget is shared through Redis by every API process', async () => {
    const prefix = uniqueRateLimitPrefix();
    const [one, two] = [await limitedApp(prefix), await limitedApp(prefix)];
    const statuses: number[] = [];
    for (let i = 0; i < FAILURES + 2; i++) statuses.push((await me(i % 2 ? one.app : two.app, guessToken(), '198.51.100.7')).statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(FAILURES);
    expect(statuses.slice(FAILURES)).toEqual([429, 429]);
  });
});

describe('verified requests count against their user', () => {
  it('one budget per user, whatever the token or the IP; users behind one IP keep their own', async () => {
    const { app, prefix } = await limitedApp();
    const user = await api.userWithToken('Member');
    const otherToken = await api.tokenFor(user);
    const neighbour = await api.userWithToken('Member');
    const calls: [string, string][] = [
      [user.token, '203.0.113.1'],
      [otherToken, '203.0.113.2'],
      [user.token, '203.0.113.3'],
      [otherToken, '203.0.113.1'],
      [user.token, '203.0.113.2'],
    ];
    for (const [token, ip] of calls) expect((await me(app, token, ip)).statusCode).toBe(200);
    expect((await me(app, otherToken, '203.0.113.9')).statusCode).toBe(429);
    expect((await me(app, neighbour.token, '203.0.113.1')).statusCode).toBe(200);
    const keys = await api.redis.keys(`${prefix}*`);
    expect(keys.filter((k) => k.includes(`user:${user.id}`))).toHaveLength(1);
    expect(keys.some((k) => k.includes(user.token) || k.includes(otherToken))).toBe(false);
  });
});
