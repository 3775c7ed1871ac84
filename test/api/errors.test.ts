import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { actorOf, makeUser } from '../helpers/factories.ts';
import { setupApi, TEST_API_CONFIG, uniqueRateLimitPrefix } from './harness.ts';

const api = await setupApi();
const admin = await api.userWithToken('Admin');
const coach = await api.userWithToken('Coach');
const member = await api.userWithToken('Member', { coachId: coach.id });

const ERROR_SHAPE = { statusCode: expect.any(Number), message: expect.any(String), error: expect.any(String) };

function expectError(res: { statusCode: number; json(): unknown }, status: number, error: string) {
  expect(res.statusCode).toBe(status);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ ...ERROR_SHAPE, statusCode: status, error });
  expect(Object.keys(body).every((k) => ['statusCode', 'message', 'error', 'details'].includes(k))).toBe(true);
  return body;
}

describe('one error format for every error', () => {
  it('401 asks for a bearer token', async () => {
    const res = await api.call(null, { method: 'GET', url: '/members' });
    expectError(res, 401, 'missing_token');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('400 for a malformed URL', async () => {
    expectError(await api.call(admin.token, { method: 'GET', url: '/members/%E0%A4%A' }), 400, 'bad_url');
  });

  it('404 for an unknown route', async () => {
    expectError(await api.call(admin.token, { method: 'GET', url: '/nowhere' }), 404, 'route_not_found');
    expectError(await api.call(null, { method: 'DELETE', url: '/members' }), 404, 'route_not_found');
  });

  it('400 for invalid body, params and query, naming each field in details.issues', async () => {
    const body = expectError(
      await api.call(admin.token, { method: 'PATCH', url: `/coaches/${coach.id}`, payload: { maxMembers: 0, isAcceptingMembers: 'yes', colour: 'red' } }),
      400,
      'validation_failed',
    );
    const fields = (body.details as { issues: { field: string }[] }).issues.map((i) => i.field).sort();
    expect(fields).toEqual(['colour', 'isAcceptingMembers', 'maxMembers']);

    const params = expectError(await api.call(admin.token, { method: 'GET', url: '/members/not-a-uuid' }), 400, 'validation_failed');
    expect(params.details).toMatchObject({ in: 'params', issues: [{ field: 'id', message: expect.any(String) }] });

    const query = expectError(await api.call(admin.token, { method: 'GET', url: '/members?limit=0&membershipStatus=gone' }), 400, 'validation_failed');
    expect((query.details as { issues: { field: string }[] }).issues.map((i) => i.field).sort()).toEqual(['limit', 'membershipStatus']);

    const missing = expectError(await api.call(admin.token, { method: 'PATCH', url: `/members/${member.memberId}/assign-coach`, payload: {} }), 400, 'validation_failed');
    expect(missing.details).toMatchObject({ issues: [{ field: 'coachId' }] });
  });

  it("reports core's own validation errors in the same shape", async () => {
    const body = expectError(
      await api.call(admin.token, { method: 'PATCH', url: `/coaches/${coach.id}`, payload: { timezone: 'Mars/Olympus' } }),
      400,
      'validation_failed',
    );
    expect(body.details).toMatchObject({ issues: [{ field: 'timezone', message: expect.any(String) }] });
  });

  it("maps core's domain errors to their status with the error's stable code", async () => {
    expectError(await api.call(member.token, { method: 'GET', url: '/users' }), 403, 'admin_only');
    const other = await makeUser(api.db, 'Member');
    expectError(await api.call(member.token, { method: 'GET', url: `/members/${other.memberId}` }), 403, 'not_your_profile');
    expectError(await api.call(admin.token, { method: 'GET', url: `/members/${crypto.randomUUID()}` }), 404, 'member_not_found');
    const full = await makeUser(api.db, 'Coach', { maxMembers: 1 });
    await api.core.members.assignCoach(await actorOf(api.db, admin), other.memberId!, full.id);
    const third = await makeUser(api.db, 'Member');
    expectError(
      await api.call(admin.token, { method: 'PATCH', url: `/members/${third.memberId}/assign-coach`, payload: { coachId: full.id } }),
      409,
      'coach_full',
    );
    const closed = await makeUser(api.db, 'Coach', { isAcceptingMembers: false });
    const refused = await api.call(admin.token, { method: 'PATCH', url: `/members/${third.memberId}/assign-coach`, payload: { coachId: closed.id } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject(ERROR_SHAPE);
  });

  it('400 for malformed JSON and an empty JSON body, 415 for an unsupported media type', async () => {
    const url = `/members/${member.memberId}`;
    const headers = { 'content-type': 'application/json' };
    expectError(await api.call(admin.token, { method: 'PATCH', url, headers, payload: '{"goals":' }), 400, 'invalid_json');
    expectError(await api.call(admin.token, { method: 'PATCH', url, headers, payload: '' }), 400, 'empty_json_body');
    expectError(await api.call(admin.token, { method: 'PATCH', url, headers: { 'content-type': 'application/xml' }, payload: '<goals/>' }), 415, 'unsupported_media_type');
  });

  it('413 for a body over API_BODY_LIMIT_BYTES', async () => {
    const res = await api.call(admin.token, { method: 'PATCH', url: `/members/${member.memberId}`, payload: { goals: 'x'.repeat(70 * 1024) } });
    expectError(res, 413, 'payload_too_large');
  });

  it('429 once a user spends API_RATE_LIMIT_PER_MINUTE, whichever of their tokens they use', async () => {
    const config = { ...TEST_API_CONFIG, API_RATE_LIMIT_PER_MINUTE: 3, API_RATE_LIMIT_KEY_PREFIX: uniqueRateLimitPrefix() };
    const limited = await buildApp({ core: api.core, db: api.db, redis: api.redis, config, logger: createApiLogger(config) });
    const first = await api.userWithToken('Member');
    const firstAgain = await api.tokenFor(first);
    const second = await api.userWithToken('Member');
    const me = (token: string) => limited.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
    for (const token of [first.token, firstAgain, first.token]) expect((await me(token)).statusCode).toBe(200);
    const over = await me(firstAgain);
    expectError(over, 429, 'rate_limited');
    expect(over.headers['retry-after']).toBeDefined();
    expect((await me(second.token)).statusCode).toBe(200);
    await limited.close();
  });

  it('429 for repeated failed authentications, counted per IP in API_AUTH_FAILURES_PER_MINUTE', async () => {
    const config = { ...TEST_API_CONFIG, API_AUTH_FAILURES_PER_MINUTE: 2 };
    const limited = await buildApp({ core: api.core, db: api.db, config, logger: createApiLogger(config) });
    const guess = (headers: Record<string, string>) => limited.inject({ method: 'GET', url: '/me', headers });
    // A missing header, a malformed one and a wrong token are all failures of the same IP.
    expect((await guess({})).statusCode).toBe(401);
    expect((await guess({ authorization: 'Basic eDp5' })).statusCode).toBe(401);
    const over = await guess({ authorization: 'Bearer cb_guess' });
    expectError(over, 429, 'rate_limited');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    await limited.close();
  });

  it('500 with a sanitized message and the request id, the error logged in full', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = { ...TEST_API_CONFIG, LOG_LEVEL: 'error' as const };
    const app = await buildApp({ core: api.core, db: api.db, config, logger: createApiLogger(config, sink) });
    // A real failure underneath the API: the table a route reads has gone.
    await api.db.$executeRawUnsafe('ALTER TABLE "coach_profiles" RENAME TO "coach_profiles_gone"');
    try {
      const res = await app.inject({ method: 'GET', url: `/coaches/${coach.id}`, headers: { authorization: `Bearer ${admin.token}` } });
      const body = expectError(res, 500, 'internal_error');
      expect(body.message).not.toMatch(/coach_profiles|prisma|relation/i);
      const requestId = res.headers['x-request-id'] as string;
      expect(body.details).toEqual({ requestId });
      const logged = lines.map((l) => JSON.parse(l) as { reqId?: string; err?: { message?: string } }).find((l) => l.reqId === requestId && l.err);
      expect(logged?.err?.message).toMatch(/coach_profiles/);
    } finally {
      await api.db.$executeRawUnsafe('ALTER TABLE "coach_profiles_gone" RENAME TO "coach_profiles"');
      await app.close();
    }
  });
});
