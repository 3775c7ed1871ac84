import { describe, expect, it } from 'vitest';
import { TEST_EPOCH } from '../helpers/core.ts';
import { buildWorld } from './fixtures.ts';
import { setupApi } from './harness.ts';

// Each resource's routes end to end: the route reaches its core method and serialises its answer.

const api = await setupApi({ core: { bookingMinNoticeMinutes: 0 } });
const world = await buildWorld(api, { coaches: 1, membersPerCoach: 2, unassigned: 0, sessionsPerMember: 0 });
const { admin } = world;
const coach = world.coaches[0]!;
const member = world.members[0]!;

type Json = Record<string, unknown>;
async function call(token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, status = 200): Promise<Json> {
  const res = await api.call(token, { method, url, ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.body ? (res.json() as Json) : {};
}

describe('users and permissions', () => {
  it('creates, reads, lists and updates users; grants and revokes permissions', async () => {
    const created = await call(admin.token, 'POST', '/users', { name: 'Nina', email: 'nina@example.com', role: 'Coach', timezone: 'Europe/Paris' }, 201);
    expect(created).toMatchObject({ name: 'Nina', role: 'Coach', coachProfile: { id: expect.any(String) }, memberProfile: null });
    const id = created.id as string;
    expect(await call(admin.token, 'GET', `/users/${id}`)).toMatchObject({ email: 'nina@example.com' });
    expect(((await call(admin.token, 'GET', '/users?role=Coach')).items as Json[]).map((u) => u.id)).toContain(id);
    expect(await call(admin.token, 'PATCH', `/users/${id}`, { locale: 'fr' })).toMatchObject({ locale: 'fr' });
    expect(await call(admin.token, 'POST', `/users/${id}/permissions`, { permission: 'coaches:write' })).toMatchObject({
      userId: id,
      permissions: expect.arrayContaining(['coaches:write']),
    });
    const after = await call(admin.token, 'DELETE', `/users/${id}/permissions/coaches:write`);
    expect(after.permissions).not.toContain('coaches:write');
    expect((await call(admin.token, 'GET', `/users/${id}/permissions`)).permissions).toEqual(after.permissions);
    await call(admin.token, 'POST', '/users', { name: 'Dup', email: 'NINA@example.com', role: 'Member' }, 409);
  });
});

describe('members and coaches', () => {
  it('reads and updates member profiles, onboarding, and coach profiles', async () => {
    expect(await call(member.token, 'GET', `/members/${member.memberId}`)).toMatchObject({ id: member.memberId, coachId: coach.id });
    expect(await call(member.token, 'PATCH', `/members/${member.memberId}`, { goals: 'Sleep better' })).toMatchObject({ goals: 'Sleep better' });
    await call(member.token, 'PATCH', `/members/${member.memberId}`, { coachNotes: 'mine now' }, 403);
    expect(await call(coach.token, 'PATCH', `/members/${member.memberId}/onboarding`, { onboardingStatus: 'completed' })).toMatchObject({ onboardingStatus: 'completed' });
    expect(((await call(coach.token, 'GET', `/members/coach/${coach.id}`)).items as Json[]).length).toBe(2);
    expect(await call(coach.token, 'PATCH', `/coaches/${coach.id}`, { specialization: 'Mobility', maxMembers: 5 })).toMatchObject({
      specialization: 'Mobility',
      maxMembers: 5,
      currentMemberCount: 2,
    });
    expect(await call(member.token, 'GET', `/coaches/${coach.id}`)).toMatchObject({ id: coach.id, hasCapacity: true });
  });
});

describe('availability, slots, bookings and sessions', () => {
  it('manages availability windows and lists slots', async () => {
    const created = await call(coach.token, 'POST', '/coach-availability', { dayOfWeek: 3, startTime: '06:00', endTime: '07:00' }, 409);
    expect(created.error).toBe('availability_overlap');
    const windows = (await call(coach.token, 'GET', '/coach-availability')).items as Json[];
    expect(windows).toHaveLength(7);
    const sunday = windows.find((w) => w.dayOfWeek === 0)!;
    expect(await call(coach.token, 'PATCH', `/coach-availability/${sunday.id}`, { startTime: '10:00', endTime: '12:00' })).toMatchObject({ startTime: '10:00' });
    const slots = (await call(member.token, 'GET', `/coach-availability/${coach.id}/slots?startDate=2030-01-13&endDate=2030-01-13&duration=60`)).items as Json[];
    expect(slots.map((s) => s.time)).toEqual(['10:00', '11:00']);
    await call(coach.token, 'DELETE', `/coach-availability/${sunday.id}`, undefined, 204);
    expect((await call(member.token, 'GET', `/coach-availability/${coach.id}`)).items).toHaveLength(6);
  });

  it('books, lists, cancels a booking, and runs a session from creation to rating', async () => {
    const booking = await api.call(member.token, {
      method: 'POST',
      url: '/bookings',
      headers: { 'idempotency-key': 'flow-1' },
      payload: { memberId: member.memberId, coachId: coach.id, requestedDate: '2030-01-08', requestedTime: '10:00', memberNotes: 'knee' },
    });
    expect(booking.statusCode, booking.body).toBe(201);
    const b = booking.json() as Json;
    expect(b).toMatchObject({ status: 'confirmed', requestedDate: '2030-01-08', requestedTime: '10:00' });
    expect(await call(coach.token, 'GET', `/bookings/${b.id}`)).toMatchObject({ id: b.id });
    expect(await call(coach.token, 'GET', '/bookings/pending')).toEqual({ items: [] });
    expect(await call(member.token, 'DELETE', `/bookings/${b.id}`, { reason: 'travel' })).toMatchObject({ status: 'cancelled' });
    expect(await call(member.token, 'GET', `/sessions/${b.sessionId}`)).toMatchObject({ status: 'cancelled' });

    const session = await call(
      coach.token,
      'POST',
      '/sessions',
      { memberId: member.memberId, coachId: coach.id, scheduledAt: '2030-01-07T12:00:00Z', duration: 60, type: 'initial' },
      201,
    );
    const id = session.id as string;
    expect(await call(coach.token, 'PATCH', `/sessions/${id}/reschedule`, { scheduledAt: '2030-01-07T10:00:00Z' })).toMatchObject({
      scheduledAt: '2030-01-07T10:00:00.000Z',
    });
    expect(await call(coach.token, 'PATCH', `/sessions/${id}`, { outcomes: 'plan agreed' })).toMatchObject({ outcomes: 'plan agreed' });
    expect(await call(member.token, 'POST', `/sessions/${id}/member-notes`, { notes: 'nervous' })).toMatchObject({ memberNotes: 'nervous' });
    expect(await call(coach.token, 'POST', `/sessions/${id}/coach-notes`, { notes: 'check posture' })).toMatchObject({ coachNotes: 'check posture' });
    expect(await call(member.token, 'GET', `/sessions/${id}`)).not.toHaveProperty('coachNotes');
    expect(((await call(member.token, 'GET', '/me/dashboard')).member as Json).nextSession).toMatchObject({ id });
    expect(((await call(coach.token, 'GET', '/me/dashboard')).coach as Json).todaysSessions).toHaveLength(1);
    expect(await call(admin.token, 'GET', '/me/dashboard')).toEqual({ role: 'Admin', member: null, coach: null });

    api.clock.set(new Date(TEST_EPOCH.getTime() + 2 * 3_600_000));
    expect(await call(coach.token, 'PATCH', `/sessions/${id}/complete`, { coachNotes: 'good start' })).toMatchObject({ status: 'completed' });
    await call(member.token, 'POST', `/sessions/${id}/rate`, { rating: 6 }, 400);
    expect(await call(member.token, 'POST', `/sessions/${id}/rate`, { rating: 5, feedback: 'great' })).toMatchObject({ rating: 5 });
    expect((await call(member.token, 'POST', `/sessions/${id}/rate`, { rating: 4 }, 409)).error).toBeDefined();
    expect((await call(coach.token, 'PATCH', `/sessions/${id}/cancel`, {}, 400)).error).toBe('invalid_state');
    expect(((await call(coach.token, 'GET', `/sessions/coach/${coach.id}`)).items as Json[]).length).toBe(2);
    expect(await call(member.token, 'GET', '/sessions/upcoming')).toEqual({ items: [] });

    const other = world.members[1]!;
    const noShow = await call(
      admin.token,
      'POST',
      '/sessions',
      { memberId: other.memberId, coachId: coach.id, scheduledAt: '2030-01-07T11:00:00Z', duration: 30, type: 'regular' },
      201,
    );
    api.clock.set(new Date(TEST_EPOCH.getTime() + 3 * 3_600_000));
    expect(await call(coach.token, 'PATCH', `/sessions/${noShow.id}/no-show`, { party: 'member' })).toMatchObject({ status: 'no_show', noShowParty: 'member' });
  });
});

describe('notifications and calendar feeds', () => {
  it("lists the caller's notifications, and an admin's view of anyone's", async () => {
    const mine = (await call(coach.token, 'GET', '/notifications?limit=100')).items as Json[];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((n) => n.userId === coach.id)).toBe(true);
    // The member booked through the API: the coach was told, the member had the answer.
    const filtered = (await call(admin.token, 'GET', `/notifications?userId=${coach.id}&type=booking.confirmed`)).items as Json[];
    expect(filtered.map((n) => n.type)).toEqual(['booking.confirmed']);
    await call(member.token, 'GET', `/notifications?userId=${coach.id}`, undefined, 403);
  });

  it('creates a secret feed URL once, serves it as text/calendar, and stops serving it once revoked', async () => {
    const feed = await call(member.token, 'POST', '/me/calendar-feed', undefined, 201);
    const path = new URL(feed.url as string).pathname;
    const ics = await api.app.inject({ method: 'GET', url: path });
    expect(ics.statusCode).toBe(200);
    expect(ics.headers['content-type']).toMatch(/^text\/calendar/);
    expect(ics.body).toContain('BEGIN:VEVENT');
    await call(member.token, 'POST', `/users/${coach.id}/calendar-feed`, undefined, 403);
    expect(await call(member.token, 'DELETE', '/me/calendar-feed')).toEqual({ revoked: 1 });
    const gone = await api.app.inject({ method: 'GET', url: path });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ statusCode: 404, error: expect.any(String) });
  });
});
