import { describe, expect, it } from 'vitest';
import { resetCoach } from '../core/bookings.fixtures.ts';
import { makeCoach, makeMember } from '../helpers/factories.ts';
import { databaseFingerprint, setupApi } from './harness.ts';

// POST /booking-series, GET /booking-series/{seriesId} and its cancel, over HTTP (docs/design.md §9):
// the key required, bad input a 400 naming the field with nothing written, the answer per occurrence.

const api = await setupApi({ redis: false });
const coach = await makeCoach(api.db, { coachTimezone: 'Europe/London' });
const member = await makeMember(api.db, { coachId: coach.id });
const other = await makeMember(api.db, { coachId: coach.id });
const tokens = { member: await api.tokenFor(member), other: await api.tokenFor(other), coach: await api.tokenFor(coach) };
await resetCoach(api.db, coach.id, [{ dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 1 }]);

// Tuesday 19 March 2030, 10:00 GMT; London springs forward on 31 March.
const body = { coachId: coach.id, startsAt: '2030-03-19T10:00:00Z', count: 3 };

describe('the booking-series routes', () => {
  it('creates a series under an Idempotency-Key (201), answers the same series for the same key, and reads it back', async () => {
    const post = (key: string) => api.call(tokens.member, { method: 'POST', url: '/booking-series', headers: { 'idempotency-key': key }, payload: body });
    const created = await post('k-1');
    expect(created.statusCode, created.body).toBe(201);
    const s = created.json();
    expect(s.occurrences.map((o: { startsAt: string; status: string }) => [o.startsAt, o.status])).toEqual([
      ['2030-03-19T10:00:00.000Z', 'booked'],
      ['2030-03-26T10:00:00.000Z', 'booked'],
      ['2030-04-02T09:00:00.000Z', 'booked'],
    ]);
    expect((await post('k-1')).json().id).toBe(s.id);
    const read = await api.call(tokens.coach, { method: 'GET', url: `/booking-series/${s.id}` });
    expect(read.statusCode).toBe(200);
    expect(read.json().occurrences[2].session.status).toBe('scheduled');
    expect((await api.call(tokens.other, { method: 'GET', url: `/booking-series/${s.id}` })).statusCode).toBe(404);

    const cancelled = await api.call(tokens.member, { method: 'POST', url: `/booking-series/${s.id}/cancel`, payload: { position: 2 } });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().occurrences.map((o: { session: { status: string } }) => o.session.status)).toEqual(['scheduled', 'cancelled', 'cancelled']);
  });

  it('refuses a missing key and bad fields with a 400 naming the field, writing nothing', async () => {
    const before = await databaseFingerprint(api.db);
    const noKey = await api.call(tokens.member, { method: 'POST', url: '/booking-series', payload: body });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.body).toContain('idempotency-key');
    for (const [patch, field] of [
      [{ count: 27 }, 'count'],
      [{ interval: 3 }, 'interval'],
      [{ startsAt: 'tomorrow' }, 'startsAt'],
      [{ allOrNothing: 'yes' }, 'allOrNothing'],
      [{ surprise: 1 }, 'surprise'],
    ] as const) {
      const res = await api.call(tokens.member, { method: 'POST', url: '/booking-series', headers: { 'idempotency-key': `bad-${field}` }, payload: { ...body, ...patch } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.body).toContain(field);
    }
    const badId = await api.call(tokens.member, { method: 'GET', url: '/booking-series/not-a-uuid' });
    expect(badId.statusCode).toBe(400);
    expect(await databaseFingerprint(api.db)).toEqual(before);
  });
});
