import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { loadConfig } from '../../src/config.ts';
import { BOOKING_REFUSALS, ConflictError, UnavailableError, UnprocessableError } from '../../src/core/index.ts';
import { refusalOf } from '../../src/core/bookings/refusals.ts';
import { createProcessMetrics } from '../../src/runtime/metrics.ts';
import { makeUser } from '../helpers/factories.ts';
import { parseExposition, valueOf } from '../helpers/prometheus.ts';
import { setupApi, TEST_API_CONFIG, uniqueRateLimitPrefix } from './harness.ts';

// GET /metrics of the API's server: bookings counted once by the request that decided them (a retry
// with the same Idempotency-Key answers again uncounted), refusals by reason, METRICS_TOKEN, and an
// exposition a strict scraper reads. One process's metrics, as main.ts wires them: core reports to
// the registry the route serves.

const metrics = createProcessMetrics();
const api = await setupApi({ telemetry: metrics.core, metrics: { exposition: metrics } });

const TOKEN = 'metrics-token-of-this-test-0123456789';
/** The same process's metrics behind METRICS_TOKEN, on an app whose budgets are small enough to spend. */
const locked = await buildApp({
  core: api.core,
  db: api.db,
  config: { ...TEST_API_CONFIG, API_RATE_LIMIT_KEY_PREFIX: uniqueRateLimitPrefix(), API_RATE_LIMIT_PER_MINUTE: 2, API_AUTH_FAILURES_PER_MINUTE: 3 },
  logger: createApiLogger(TEST_API_CONFIG),
  metrics: { exposition: metrics, token: TOKEN },
});
afterAll(() => locked.close());

async function scrape(app: FastifyInstance = api.app, options: Partial<InjectOptions> = {}) {
  const res = await app.inject({ method: 'GET', url: '/metrics', ...options });
  expect(res.statusCode, res.body).toBe(200);
  return parseExposition(res.body);
}

const coach = await makeUser(api.db, 'Coach');
// Wednesdays 09:00-17:00 UTC, one seat a slot; TEST_EPOCH is Monday 2030-01-07 09:00 UTC.
await api.db.coachAvailability.create({ data: { coachId: coach.id, dayOfWeek: 3, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: 1, bufferMinutes: 0 } });

async function book(token: string, memberId: string, requestedTime: string, key = randomUUID()) {
  return api.call(token, {
    method: 'POST',
    url: '/bookings',
    headers: { 'idempotency-key': key },
    payload: { memberId, coachId: coach.id, requestedDate: '2030-01-09', requestedTime },
  });
}

const bookings = async () => valueOf(await scrape(), 'coachbot_bookings_total', { source: 'api' });
const rejections = async (reason: string) => valueOf(await scrape(), 'coachbot_booking_rejections_total', { source: 'api', reason }) ?? 0;

describe('GET /metrics: bookings', () => {
  it('counts a booking made through the API once in coachbot_bookings_total{source="api"}; its replay with the same Idempotency-Key does not count again', async () => {
    expect(await bookings()).toBe(0);
    const member = await api.userWithToken('Member', { coachId: coach.id });
    const key = randomUUID();
    const first = await book(member.token, member.memberId!, '10:00', key);
    expect(first.statusCode).toBe(201);
    expect(await bookings()).toBe(1);
    const again = await book(member.token, member.memberId!, '10:00', key);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ id: first.json<{ id: string }>().id });
    expect(await bookings()).toBe(1);
  });

  it('counts a refused booking in coachbot_booking_rejections_total by its reason, once: slot_full, and its replay not again', async () => {
    const taker = await api.userWithToken('Member', { coachId: coach.id });
    const late = await api.userWithToken('Member', { coachId: coach.id });
    expect((await book(taker.token, taker.memberId!, '12:00')).statusCode).toBe(201);
    const before = await rejections('slot_full');
    const key = randomUUID();
    const refused = await book(late.token, late.memberId!, '12:00', key);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'slot_full' });
    expect(await rejections('slot_full')).toBe(before + 1);
    const replayed = await book(late.token, late.memberId!, '12:00', key);
    expect(replayed.json()).toMatchObject({ error: 'slot_full' });
    expect(await rejections('slot_full')).toBe(before + 1);
    expect(await bookings()).toBe(2);
  });

  it('counts refusals decided before the slot by their code too: a member booking with a coach not theirs is not_your_coach', async () => {
    const stranger = await api.userWithToken('Member');
    const before = await rejections('not_your_coach');
    const res = await book(stranger.token, stranger.memberId!, '14:00');
    expect(res.json()).toMatchObject({ statusCode: 422, error: 'not_your_coach' });
    expect(await rejections('not_your_coach')).toBe(before + 1);
  });

  it('gives every refusal a reason from a closed set: a lock wait that ran out is busy, an unreachable database unavailable, a code not listed other', () => {
    expect(refusalOf(new ConflictError('slot_full', 'full'))).toBe('slot_full');
    expect(refusalOf(new UnavailableError('database_busy', 'busy', 5))).toBe('busy');
    expect(refusalOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe('unavailable');
    expect(refusalOf(new UnprocessableError('not_a_coach', 'a code no booking answers'))).toBe('other');
    expect(refusalOf(new Error('a bug'))).toBe('other');
    expect(BOOKING_REFUSALS).toEqual(expect.arrayContaining(['slot_full', 'slot_unavailable', 'already_booked', 'busy', 'other']));
  });
});

describe('GET /metrics: the exposition', () => {
  it('is Prometheus text format a strict reader accepts, with the process metrics under the coachbot_ prefix', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(res.body);
    expect(families.get('coachbot_bookings_total')?.type).toBe('counter');
    expect(families.get('coachbot_booking_rejections_total')?.type).toBe('counter');
    expect(families.get('coachbot_notifications_total')?.type).toBe('counter');
    expect(families.get('coachbot_notification_delivery_latency_seconds')?.type).toBe('histogram');
    for (const name of ['coachbot_process_cpu_seconds_total', 'coachbot_process_resident_memory_bytes', 'coachbot_nodejs_eventloop_lag_seconds']) {
      expect(families.has(name), name).toBe(true);
    }
    expect([...families.keys()].every((name) => name.startsWith('coachbot_'))).toBe(true);
  });

  it('is left out of the OpenAPI document', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
    expect(Object.keys(doc.paths)).toContain('/bookings');
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  it('takes a METRICS_TOKEN of 16 characters or more, and never repeats a wrong one', () => {
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).METRICS_TOKEN).toBe(TOKEN);
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(() => loadConfig({ METRICS_TOKEN: 'short-secret' })).toThrow('METRICS_TOKEN is (hidden): expected at least 16 characters');
    expect(() => loadConfig({ METRICS_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('answers 401 in the error format without the token or with a wrong one, and the metrics with it', async () => {
    const from = { remoteAddress: '198.51.100.1' };
    const missing = await locked.inject({ method: 'GET', url: '/metrics', ...from });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ statusCode: 401, error: 'missing_token' });
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const wrong = await locked.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` }, ...from });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ statusCode: 401, error: 'invalid_metrics_token' });
    expect(wrong.body).not.toContain(TOKEN);
    const families = await scrape(locked, { headers: { authorization: `Bearer ${TOKEN}` }, remoteAddress: '198.51.100.2' });
    expect(valueOf(families, 'coachbot_bookings_total', { source: 'api' })).toBe(2);
  });

  it('is never refused by the request rate limit: scrapes go on past the per-address budget that API routes from the same address have spent', async () => {
    const from = { remoteAddress: '198.51.100.3' };
    const auth = { authorization: `Bearer ${TOKEN}` };
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await locked.inject({ method: 'GET', url: '/no/such/route', ...from })).statusCode);
    expect(statuses).toEqual([404, 404, 429]);
    for (let i = 0; i < 5; i += 1) await scrape(locked, { headers: auth, ...from });
  });

  it('counts wrong tokens against the address budget of failed authentications, as a wrong API token is: 429 once spent', async () => {
    const from = { remoteAddress: '198.51.100.4' };
    const wrong = { authorization: 'Bearer not-the-metrics-token-at-all' };
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await locked.inject({ method: 'GET', url: '/metrics', headers: wrong, ...from })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Another address is not affected.
    await scrape(locked, { headers: { authorization: `Bearer ${TOKEN}` }, remoteAddress: '198.51.100.5' });
  });
});

describe('the strict exposition reader these tests use', () => {
  it('refuses what a scraper would: a sample before its TYPE, a split family, a duplicate series, a bad escape, an inconsistent histogram', () => {
    const ok = '# TYPE a counter\na{x="1"} 1\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n';
    expect(valueOf(parseExposition(ok), 'h_count')).toBe(2);
    for (const bad of [
      'a 1\n',
      '# TYPE a counter\na 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n',
      '# TYPE a counter\na{x="1"} 1\na{x="1"} 2\n',
      '# TYPE a counter\na{x="\\q"} 1\n',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n',
      '# TYPE a counter\na one\n',
      '# TYPE a counter\na 1',
    ]) {
      expect(() => parseExposition(bad), bad).toThrow();
    }
  });
});
