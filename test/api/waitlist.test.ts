import { describe, expect, it } from 'vitest';
import { buildWorld } from './fixtures.ts';
import { setupApi } from './harness.ts';

// Issue 29 through HTTP: joinWaitlist, listWaitlist, leaveWaitlist, claimWaitlistOffer, with their
// refusals as clear 4xx that write nothing.

const api = await setupApi({ core: { bookingMinNoticeMinutes: 0 } });
const world = await buildWorld(api, { coaches: 1, membersPerCoach: 3, unassigned: 0, sessionsPerMember: 0 });
const coach = world.coaches[0]!;
const [first, second, third] = world.members as [(typeof world.members)[0], (typeof world.members)[0], (typeof world.members)[0]];
const SLOT = '2030-01-08T10:00:00.000Z';

type Json = Record<string, unknown>;
async function call(token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, status = 200, headers: Record<string, string> = {}): Promise<Json> {
  const res = await api.call(token, { method, url, headers, ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.body ? (res.json() as Json) : {};
}

describe('the waitlist API', () => {
  it('joins a full slot, shows positions, offers a freed seat, claims it idempotently, and leaves', async () => {
    await api.db.coachAvailability.updateMany({ where: { coachId: coach.id }, data: { maxSessionsPerSlot: 1 } });
    const taken = await call(first.token, 'POST', '/bookings', { memberId: first.memberId, coachId: coach.id, startsAt: SLOT }, 201, { 'idempotency-key': 'wl-1' });
    // Refusals name the field or the state, and write nothing.
    expect((await call(second.token, 'POST', '/waitlist', { coachId: coach.id }, 400)).details).toMatchObject({ issues: [{ field: 'startsAt' }] });
    expect((await call(second.token, 'POST', '/waitlist', { coachId: coach.id, startsAt: '2030-01-08T11:00:00Z' }, 409)).error).toBe('slot_not_full');
    expect(await api.db.waitlistEntry.count()).toBe(0);

    const a = await call(second.token, 'POST', '/waitlist', { coachId: coach.id, startsAt: SLOT }, 201);
    expect(a).toMatchObject({ status: 'waiting', position: 1, startsAt: SLOT });
    const b = await call(third.token, 'POST', '/waitlist', { coachId: coach.id, startsAt: SLOT }, 201);
    expect(b).toMatchObject({ position: 2 });
    expect((await call(third.token, 'POST', '/waitlist', { coachId: coach.id, startsAt: SLOT }, 409)).error).toBe('already_waitlisted');
    expect(((await call(coach.token, 'GET', '/waitlist')).items as Json[]).map((e) => e.position)).toEqual([1, 2]);
    // Paged like every list: the cursor is the last entry seen.
    const firstPage = await call(coach.token, 'GET', '/waitlist?limit=1');
    expect([(firstPage.items as Json[]).map((e) => e.id), firstPage.nextCursor]).toEqual([[a.id], a.id]);
    expect(((await call(coach.token, 'GET', `/waitlist?limit=1&cursor=${a.id}`)).items as Json[]).map((e) => e.id)).toEqual([b.id]);
    expect(((await call(third.token, 'GET', '/waitlist')).items as Json[]).map((e) => e.id)).toEqual([b.id]);

    // Claim needs a key; a waiting entry holds no seat.
    expect((await call(second.token, 'POST', `/waitlist/${a.id}/claim`, undefined, 400)).error).toBe('validation_failed');
    expect((await call(second.token, 'POST', `/waitlist/${a.id}/claim`, undefined, 409, { 'idempotency-key': 'c-1' })).error).toBe('offer_not_live');

    await call(first.token, 'DELETE', `/bookings/${taken.id}`);
    expect(((await call(second.token, 'GET', '/waitlist')).items as Json[])[0]).toMatchObject({ status: 'offered', holdUntil: expect.any(String) });
    // Held for the second member: POST /bookings by anyone else is slot_full.
    expect((await call(first.token, 'POST', '/bookings', { memberId: first.memberId, coachId: coach.id, startsAt: SLOT }, 409, { 'idempotency-key': 'wl-2' })).error).toBe('slot_full');
    expect((await call(third.token, 'POST', `/waitlist/${a.id}/claim`, undefined, 403, { 'idempotency-key': 'c-x' })).error).toBe('not_your_waitlist_entry');
    const booked = await call(second.token, 'POST', `/waitlist/${a.id}/claim`, undefined, 201, { 'idempotency-key': 'c-2' });
    expect(booked).toMatchObject({ status: 'confirmed', slotStartsAt: SLOT });
    expect((await call(second.token, 'POST', `/waitlist/${a.id}/claim`, undefined, 201, { 'idempotency-key': 'c-2' })).id).toBe(booked.id);

    expect(await call(third.token, 'DELETE', `/waitlist/${b.id}`)).toMatchObject({ status: 'left', position: null });
    expect(await call(third.token, 'GET', '/waitlist')).toEqual({ items: [], nextCursor: null });
    await call(third.token, 'DELETE', '/waitlist/not-a-uuid', undefined, 400);
    expect((await call(third.token, 'DELETE', `/waitlist/${crypto.randomUUID()}`, undefined, 404)).error).toBe('waitlist_entry_not_found');
  });
});
