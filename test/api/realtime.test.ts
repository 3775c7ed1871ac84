import { beforeAll, describe, expect, it } from 'vitest';
import { buildWorld } from './fixtures.ts';
import { setupApi } from './harness.ts';

// Issue 15 §1 from outside: a slot is its UTC instant, listings show the offset, and POST /bookings
// takes `startsAt` or `requestedDate` + `requestedTime`, exactly one of them.

const api = await setupApi();
const world = await buildWorld(api, { coaches: 1, membersPerCoach: 2, unassigned: 0, sessionsPerMember: 0 });
const coach = world.coaches[0]!;
const [member, other] = [world.members[0]!, world.members[1]!];

type Json = Record<string, unknown>;

beforeAll(async () => {
  // New York; Sundays 01:00-03:00. 2027-11-07 clocks go back 02:00 EDT -> 01:00 EST; 2027-03-14 they skip 02:00-03:00.
  await api.db.coachProfile.update({ where: { userId: coach.id }, data: { timezone: 'America/New_York' } });
  await api.db.coachAvailability.deleteMany({ where: { coachId: coach.id } });
  await api.db.coachAvailability.create({ data: { coachId: coach.id, dayOfWeek: 0, startTime: '01:00', endTime: '03:00', maxSessionsPerSlot: 2, bufferMinutes: 0 } });
  api.clock.set(new Date('2027-03-01T00:00:00Z'));
});

const book = (token: string, payload: Json, key = crypto.randomUUID()) =>
  api.call(token, { method: 'POST', url: '/bookings', headers: { 'idempotency-key': key }, payload: { coachId: coach.id, ...payload } });

describe('slots are real time', () => {
  it('lists the three hourly slots of a fall-back night 01:00-03:00, the repeated 01:00 told apart by its offset', async () => {
    api.clock.set(new Date('2027-11-01T00:00:00Z'));
    const res = await api.call(member.token, { method: 'GET', url: `/coach-availability/${coach.id}/slots?startDate=2027-11-07&endDate=2027-11-07&duration=60` });
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: Json[] }).items;
    expect(items.map((s) => [s.startsAt, s.date, s.time, s.offset, s.abbreviation])).toEqual([
      ['2027-11-07T05:00:00.000Z', '2027-11-07', '01:00', '-04:00', 'EDT'],
      ['2027-11-07T06:00:00.000Z', '2027-11-07', '01:00', '-05:00', 'EST'],
      ['2027-11-07T07:00:00.000Z', '2027-11-07', '02:00', '-05:00', 'EST'],
    ]);
  });

  it('books the second 01:00 by its startsAt, and the first by date and time', async () => {
    api.clock.set(new Date('2027-11-01T00:00:00Z'));
    const second = await book(member.token, { memberId: member.memberId, startsAt: '2027-11-07T06:00:00Z' });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json()).toMatchObject({ status: 'confirmed', requestedDate: '2027-11-07', requestedTime: '01:00', slotStartsAt: '2027-11-07T06:00:00.000Z' });
    const first = await book(member.token, { memberId: member.memberId, requestedDate: '2027-11-07', requestedTime: '01:00' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ requestedTime: '01:00', slotStartsAt: '2027-11-07T05:00:00.000Z' });
    // The same member asking for a seat they hold: 409 with a stable code.
    const again = await book(member.token, { memberId: member.memberId, startsAt: '2027-11-07T06:00:00.000Z' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ statusCode: 409, error: 'already_booked' });
  });

  it('answers 422 for a local time that does not exist', async () => {
    api.clock.set(new Date('2027-03-01T00:00:00Z'));
    const res = await book(other.token, { memberId: other.memberId, requestedDate: '2027-03-14', requestedTime: '02:30', duration: 30 });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'nonexistent_time' });
  });

  it('takes exactly one way of naming the slot, and says which field is wrong', async () => {
    api.clock.set(new Date('2027-03-01T00:00:00Z'));
    const fields = async (payload: Json) => {
      const res = await book(other.token, { memberId: other.memberId, ...payload });
      expect(res.statusCode, res.body).toBe(400);
      return ((res.json() as { details: { issues: { field: string }[] } }).details.issues).map((i) => i.field).sort();
    };
    expect(await fields({ startsAt: '2027-03-14T06:00:00Z', requestedDate: '2027-03-14', requestedTime: '01:00' })).toEqual(['requestedDate', 'requestedTime']);
    expect(await fields({ startsAt: '2027-03-14T06:00:00Z', requestedTime: '01:00' })).toEqual(['requestedTime']);
    expect(await fields({})).toEqual(['requestedDate', 'requestedTime']);
    expect(await fields({ requestedDate: '2027-03-14' })).toEqual(['requestedTime']);
    expect(await fields({ startsAt: 'soon' })).toEqual(['startsAt']);
  });
});
