import { describe, expect, it } from 'vitest';
import { buildWorld } from './fixtures.ts';
import { setupApi } from './harness.ts';

const api = await setupApi({ core: { bookingMinNoticeMinutes: 0 } });
const world = await buildWorld(api, { coaches: 2, membersPerCoach: 3, unassigned: 1, sessionsPerMember: 2 });
const { admin } = world;

async function page(url: string, token = admin.token) {
  const res = await api.call(token, { method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: { id: string; [k: string]: unknown }[]; nextCursor: string | null };
}

describe('cursor pagination', () => {
  it('walks a list in pages of ?limit= following nextCursor, each item once, ending with nextCursor null', async () => {
    for (const path of ['/members', '/sessions', '/users', '/tokens']) {
      const all = (await page(`${path}?limit=100`)).items.map((i) => i.id);
      expect(all.length).toBeGreaterThan(3);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const p = await page(`${path}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(p.items.length).toBeLessThanOrEqual(2);
        seen.push(...p.items.map((i) => i.id));
        cursor = p.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all);
    }
  });

  it('refuses a limit out of 1-100 and a cursor that is not one', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=zzz']) {
      const res = await api.call(admin.token, { method: 'GET', url: `/sessions?${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('validation_failed');
    }
  });
});

describe('list filters', () => {
  it('filters sessions by status, coachId, memberId, from and to', async () => {
    const coach = world.coaches[0]!;
    const member = world.members.find((m) => m.coachId === coach.id)!;
    const byCoach = await page(`/sessions?coachId=${coach.id}&limit=100`);
    expect(byCoach.items.length).toBe(world.sessions.filter((s) => s.coachId === coach.id).length);
    expect(byCoach.items.every((s) => s.coachId === coach.id)).toBe(true);

    const byMember = await page(`/sessions?memberId=${member.memberId}&limit=100`);
    expect(byMember.items.map((s) => s.id).sort()).toEqual(world.sessions.filter((s) => s.memberId === member.memberId).map((s) => s.id).sort());

    const [first] = byMember.items;
    const cancelled = await api.call(admin.token, { method: 'PATCH', url: `/sessions/${first!.id}/cancel`, payload: { reason: 'ill' } });
    expect(cancelled.statusCode).toBe(200);
    const onlyCancelled = await page(`/sessions?status=cancelled&limit=100`);
    expect(onlyCancelled.items.map((s) => s.id)).toEqual([first!.id]);

    const all = await page('/sessions?limit=100');
    const times = all.items.map((s) => String(s.scheduledAt)).sort();
    const from = times[2]!;
    const to = times[5]!;
    const window = await page(`/sessions?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=100`);
    expect(window.items.length).toBe(3);
    expect(window.items.every((s) => String(s.scheduledAt) >= from && String(s.scheduledAt) < to)).toBe(true);
  });

  it('filters members by coachId and bookings by status, coachId, memberId, from and to', async () => {
    const coach = world.coaches[1]!;
    const members = await page(`/members?coachId=${coach.id}`);
    expect(members.items.length).toBe(3);
    expect(members.items.every((m) => m.coachId === coach.id)).toBe(true);

    const member = world.members.find((m) => m.coachId === coach.id)!;
    for (const [i, date] of ['2030-01-14', '2030-01-15', '2030-01-16'].entries()) {
      const res = await api.call(member.token, {
        method: 'POST',
        url: '/bookings',
        headers: { 'idempotency-key': `filters-${i}` },
        payload: { memberId: member.memberId, coachId: coach.id, requestedDate: date, requestedTime: '07:00' },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const ranged = await page(`/bookings?coachId=${coach.id}&memberId=${member.memberId}&status=confirmed&from=2030-01-15&to=2030-01-16`);
    expect(ranged.items.map((b) => b.requestedDate).sort()).toEqual(['2030-01-15', '2030-01-16']);
    expect((await page('/bookings?status=cancelled')).items).toEqual([]);
  });
});

describe('Idempotency-Key', () => {
  it('is required on POST /bookings: 400 without it, and nothing is booked', async () => {
    const member = world.members.find((m) => m.coachId)!;
    const before = await api.db.sessionBooking.count();
    const res = await api.call(member.token, {
      method: 'POST',
      url: '/bookings',
      payload: { memberId: member.memberId, coachId: member.coachId, requestedDate: '2030-01-20', requestedTime: '08:00' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'validation_failed', details: { issues: [{ field: 'idempotency-key' }] } });
    expect(await api.db.sessionBooking.count()).toBe(before);
  });

  it('replays the first booking for the same key: same booking, no second booking or session', async () => {
    const member = world.members.find((m) => m.coachId)!;
    const request = {
      method: 'POST' as const,
      url: '/bookings',
      headers: { 'idempotency-key': 'replay-me' },
      payload: { memberId: member.memberId, coachId: member.coachId, requestedDate: '2030-01-21', requestedTime: '08:00' },
    };
    const bookings = await api.db.sessionBooking.count();
    const sessions = await api.db.session.count();
    const first = await api.call(member.token, request);
    expect(first.statusCode, first.body).toBe(201);
    const again = await Promise.all([api.call(member.token, request), api.call(member.token, request)]);
    for (const res of again) {
      expect(res.statusCode).toBe(201);
      expect(res.json().id).toBe(first.json().id);
      expect(res.json().sessionId).toBe(first.json().sessionId);
    }
    expect(await api.db.sessionBooking.count()).toBe(bookings + 1);
    expect(await api.db.session.count()).toBe(sessions + 1);

    const reused = await api.call(member.token, { ...request, payload: { ...request.payload, requestedTime: '09:00' } });
    expect(reused.statusCode).toBeGreaterThanOrEqual(400);
    expect(reused.statusCode).toBeLessThan(500);
    expect(await api.db.sessionBooking.count()).toBe(bookings + 1);
  });

  it('replays POST /sessions for the same key too', async () => {
    const member = world.members.find((m) => m.coachId)!;
    const coach = world.coaches.find((c) => c.id === member.coachId)!;
    const request = {
      method: 'POST' as const,
      url: '/sessions',
      headers: { 'idempotency-key': 'session-once' },
      payload: { memberId: member.memberId, coachId: coach.id, scheduledAt: '2030-01-22T10:00:00Z', duration: 60, type: 'followup' },
    };
    const first = await api.call(coach.token, request);
    expect(first.statusCode, first.body).toBe(201);
    const second = await api.call(coach.token, request);
    expect(second.json().id).toBe(first.json().id);
    expect(await api.db.session.count({ where: { type: 'followup' } })).toBe(1);
  });
});
