import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildWorld } from './fixtures.ts';
import { databaseFingerprint, setupApi } from './harness.ts';

// Every input is bounded and every refusal is a 4xx naming the field that writes nothing. Each case
// below used to answer 500 (or, for the token, be saved and break every later listing).

const api = await setupApi({ core: { bookingMinNoticeMinutes: 0 } });
const world = await buildWorld(api, { coaches: 1, membersPerCoach: 1, unassigned: 0, sessionsPerMember: 4 });
const admin = world.admin;
const member = world.members[0]!;

type Request = Parameters<typeof api.call>[1];
const json = (method: 'POST' | 'PATCH' | 'DELETE', url: string, body: string, headers: Record<string, string> = {}): Request => ({
  method,
  url,
  headers: { 'content-type': 'application/json', ...headers },
  payload: body,
});

async function expectRefused(token: string, request: Request, field: string) {
  const before = await databaseFingerprint(api.db);
  const res = await api.call(token, request);
  expect(res.statusCode, res.body).toBe(400);
  expect(res.json()).toMatchObject({ statusCode: 400, error: 'validation_failed', details: { issues: [{ field }] } });
  expect(await databaseFingerprint(api.db)).toEqual(before);
  return res.json() as { message: string };
}

// A member holds at most one seat of a slot, so each booking takes the next hour.
let nextHour = 6;
async function bookOne(): Promise<string> {
  const res = await api.call(member.token, {
    method: 'POST',
    url: '/bookings',
    headers: { 'idempotency-key': randomUUID() },
    payload: { memberId: member.memberId, coachId: member.coachId, requestedDate: '2030-01-09', requestedTime: `${String(nextHour++).padStart(2, '0')}:00` },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

describe('dates and instants out of range are a 400 naming the field (they used to answer 500)', () => {
  it('POST /tokens with a year-10000 expiry is refused, and GET /tokens keeps answering', async () => {
    const body = await expectRefused(member.token, { method: 'POST', url: '/tokens', payload: { expiresAt: '9999-12-31T23:59:59-14:00' } }, 'expiresAt');
    expect(body.message).toContain('1970-01-01T00:00:00Z to 2199-12-31T23:59:59Z');
    expect((await api.call(member.token, { method: 'GET', url: '/tokens' })).statusCode).toBe(200);
    expect((await api.call(admin.token, { method: 'GET', url: '/tokens' })).statusCode).toBe(200);
  });

  it('POST /bookings with requestedDate 9999-12-31', async () => {
    const payload = { memberId: member.memberId, coachId: member.coachId, requestedDate: '9999-12-31', requestedTime: '10:00' };
    const body = await expectRefused(member.token, { method: 'POST', url: '/bookings', headers: { 'idempotency-key': randomUUID() }, payload }, 'requestedDate');
    expect(body.message).toContain('1970-01-01 to 2199-12-31');
  });

  it('POST /sessions and reschedule with scheduledAt 9999-12-31T10:00:00-14:00', async () => {
    const scheduledAt = '9999-12-31T10:00:00-14:00';
    await expectRefused(
      admin.token,
      { method: 'POST', url: '/sessions', payload: { memberId: member.memberId, coachId: member.coachId, scheduledAt, duration: 60, type: 'regular' } },
      'scheduledAt',
    );
    await expectRefused(admin.token, { method: 'PATCH', url: `/sessions/${world.sessions[0]!.id}/reschedule`, payload: { scheduledAt } }, 'scheduledAt');
  });

  it('GET /sessions?from=0000-01-01T10:00:00Z and GET /bookings?from=0000-01-01', async () => {
    await expectRefused(admin.token, { method: 'GET', url: '/sessions?from=0000-01-01T10:00:00Z' }, 'from');
    await expectRefused(admin.token, { method: 'GET', url: '/bookings?from=0000-01-01' }, 'from');
    await expectRefused(admin.token, { method: 'GET', url: '/bookings?to=9999-12-31' }, 'to');
  });
});

describe('text that cannot be stored is a 400 naming the field (it used to answer 500)', () => {
  // A lone surrogate cannot be produced by JSON.stringify of a JS string, so the body is written by hand.
  it.each([
    ['a lone surrogate', '"\\ud800"'],
    ['a lone low surrogate', '"late \\udc00"'],
    ['NUL', '"a\\u0000b"'],
  ])('PATCH /sessions/:id/cancel and DELETE /bookings/:id refuse %s in the reason', async (_name, reason) => {
    await expectRefused(member.token, json('PATCH', `/sessions/${world.sessions[1]!.id}/cancel`, `{"reason":${reason}}`), 'reason');
    await expectRefused(member.token, json('DELETE', `/bookings/${await bookOne()}`, `{"reason":${reason}}`), 'reason');
  });

  it('keeps valid text with surrogate pairs (emoji) as given', async () => {
    const res = await api.call(member.token, json('DELETE', `/bookings/${await bookOne()}`, '{"reason":"sick \\ud83e\\udd12"}'));
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('the body of a cancellation is optional, as documented', () => {
  const bodies: [string, Partial<Request>][] = [
    ['no body at all', {}],
    ['an empty body with a JSON content type', { headers: { 'content-type': 'application/json' }, payload: '' }],
    ['an empty body without a content type', { headers: { 'content-length': '0' }, payload: '' }],
    ['an empty JSON object', { payload: {} }],
  ];

  it.each(bodies)('DELETE /bookings/:id with %s cancels', async (_name, body) => {
    const res = await api.call(member.token, { method: 'DELETE', url: `/bookings/${await bookOne()}`, ...body });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled' });
  });

  it.each(bodies)('PATCH /sessions/:id/cancel with %s cancels', async (_name, body) => {
    const session = await api.core.sessions.create(world.adminActor, {
      memberId: member.memberId,
      coachId: member.coachId!,
      scheduledAt: new Date(Date.UTC(2030, 0, 10, 8 + bodies.findIndex(([n]) => n === _name))),
      duration: 60,
      type: 'regular',
    });
    const res = await api.call(member.token, { method: 'PATCH', url: `/sessions/${session.id}/cancel`, ...body });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled' });
  });

  it('still refuses malformed JSON and unknown fields there', async () => {
    const id = world.sessions[2]!.id;
    const bad = await api.call(member.token, json('PATCH', `/sessions/${id}/cancel`, '{"reason":'));
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid_json' });
    await expectRefused(member.token, json('PATCH', `/sessions/${id}/cancel`, '{"colour":"red"}'), 'colour');
  });
});
