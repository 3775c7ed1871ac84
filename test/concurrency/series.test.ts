import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { dayNumber, weekdayOfDay } from '../../src/core/availability/index.ts';
import { zoneClock } from '../../src/core/availability/time.ts';
import { coachWorld, resetCoach, DAY } from '../core/bookings.fixtures.ts';
import { setupCore } from '../helpers/core.ts';
import { FROM_SOURCE, serviceEnv, startService, SPAWNING, type ServiceProcess } from '../runtime/process.ts';

// Series and single bookings racing for the same slots through two real API processes (each its
// own connection pool) over one database (docs/design.md §9, §3). Afterwards the database alone
// must show no slot over its seats, no member with two seats of a slot, nothing half-written, and
// every series' answer must match what it wrote. The processes run on the real clock, so the
// series start a week or more ahead of it (well inside the notice and the 90-day horizon).

const { core, db, databaseUrl } = await setupCore();
const env = serviceEnv({ DATABASE_URL: databaseUrl });
const apis = [startService([...FROM_SOURCE, '--role', 'api'], env), startService([...FROM_SOURCE, '--role', 'api'], env)];
afterAll(async () => {
  for (const api of apis) {
    if (api.child.exitCode === null && api.child.signalCode === null) {
      api.child.kill('SIGKILL');
      await api.exited;
    }
  }
}, SPAWNING.timeout);

async function baseOf(service: ServiceProcess): Promise<string> {
  const listening = await service.logged((l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg));
  return listening.msg.replace('Server listening at ', '');
}

const ZONE = 'America/New_York';
const SEATS = 2;
const WEEKS = 6;
const MEMBERS = 8;

interface Answer {
  status: number;
  body: { id?: string; occurrences?: { position: number; startsAt: string | null; status: string; reason: string | null; session: { id: string } | null }[]; error?: string };
}

async function post(base: string, token: string, path: string, body: unknown, key = randomUUID()): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

describe('series and single bookings racing across two API processes', SPAWNING, () => {
  it('never overbook a slot, and each series answers exactly what it wrote', async () => {
    const w = await coachWorld(db, { members: MEMBERS, timezone: ZONE });
    const coachId = w.coach.user.id;
    // Tuesdays 09:00-12:00 New York time, two seats per slot.
    await resetCoach(db, coachId, [{ dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: SEATS }]);
    const zone = zoneClock(ZONE);
    let day = dayNumber(new Date(Date.now() + 8 * DAY).toISOString().slice(0, 10));
    while (weekdayOfDay(day) !== 2) day++;
    // The same wall time each week (10:00, and 11:00), whatever the offset that week.
    const at = (week: number, hour: number) => new Date(zone.instantOf(day + 7 * week, hour * 60)!);
    const tokens = await Promise.all(w.members.map(async (m) => (await core.tokens.issue({ user: m.user.id })).token));
    const bases = await Promise.all(apis.map(baseOf));

    // Four series (two at 10:00, one at 10:00 all or nothing, one at 11:00) and single bookings of
    // the same slots, by eight members, split over both processes, all sent at once. One series is
    // also sent again to the other process under the same key, as a client retrying would.
    const seriesKey = randomUUID();
    const seriesBody = (hour: number, allOrNothing = false) => ({ coachId, startsAt: at(0, hour).toISOString(), count: WEEKS, allOrNothing });
    const requests: { member: number; kind: 'series' | 'single'; run: () => Promise<Answer> }[] = [
      { member: 0, kind: 'series', run: () => post(bases[0]!, tokens[0]!, '/booking-series', seriesBody(10), seriesKey) },
      { member: 0, kind: 'series', run: () => post(bases[1]!, tokens[0]!, '/booking-series', seriesBody(10), seriesKey) },
      { member: 1, kind: 'series', run: () => post(bases[1]!, tokens[1]!, '/booking-series', seriesBody(10)) },
      { member: 2, kind: 'series', run: () => post(bases[0]!, tokens[2]!, '/booking-series', seriesBody(10, true)) },
      { member: 3, kind: 'series', run: () => post(bases[1]!, tokens[3]!, '/booking-series', seriesBody(11)) },
    ];
    for (let week = 0; week < WEEKS; week++) {
      for (const m of [4, 5, 6, 7]) {
        const hour = (week + m) % 2 === 0 ? 10 : 11;
        const body = { memberId: w.members[m]!.user.memberId!, coachId, startsAt: at(week, hour).toISOString() };
        requests.push({ member: m, kind: 'single', run: () => post(bases[(week + m) % 2]!, tokens[m]!, '/bookings', body) });
      }
    }
    const answers = await Promise.all(requests.map((r) => r.run()));

    // Every request was answered: a series 201, a single booking 201 or refused with a reason (no 5xx).
    for (const [i, a] of answers.entries()) {
      if (requests[i]!.kind === 'series') expect(a.status, JSON.stringify(a.body)).toBe(201);
      else expect([201, 409], JSON.stringify(a.body)).toContain(a.status);
    }
    // The retried series answered the same series.
    expect(answers[1]!.body.id).toBe(answers[0]!.body.id);

    // From the database alone: no slot over its seats, no member with two seats of one slot.
    const sessions = await db.session.findMany({ where: { coachId, status: { not: 'cancelled' } }, include: { booking: true, calendarEvent: true } });
    const bySlot = new Map<number, string[]>();
    for (const s of sessions) bySlot.set(s.scheduledAt.getTime(), [...(bySlot.get(s.scheduledAt.getTime()) ?? []), s.memberId]);
    for (const [slot, members] of bySlot) {
      expect(members.length, new Date(slot).toISOString()).toBeLessThanOrEqual(SEATS);
      expect(new Set(members).size).toBe(members.length);
    }
    // Contested as they were, the 10:00 slots are all full.
    for (let week = 0; week < WEEKS; week++) expect(bySlot.get(at(week, 10).getTime())?.length).toBe(SEATS);
    // Nothing half-written: each session has its confirmed booking and its event.
    for (const s of sessions) {
      expect(s.booking?.status).toBe('confirmed');
      expect(s.calendarEvent.startsAt.getTime()).toBe(s.scheduledAt.getTime());
    }
    // Each series wrote exactly the occurrences it answered booked, at the instants it answered.
    const seriesIds = new Set<string>();
    for (const [i, a] of answers.entries()) {
      if (requests[i]!.kind !== 'series' || seriesIds.has(a.body.id!)) continue;
      seriesIds.add(a.body.id!);
      const written = await db.session.findMany({ where: { seriesId: a.body.id! }, orderBy: { seriesPosition: 'asc' } });
      const booked = a.body.occurrences!.filter((o) => o.status === 'booked');
      expect(written.map((s) => [s.seriesPosition, s.scheduledAt.toISOString()])).toEqual(booked.map((o) => [o.position, o.startsAt]));
      if (requests[i]!.member === 2 && booked.length < WEEKS) expect(booked).toHaveLength(0);
      for (const o of a.body.occurrences!) if (o.status === 'unavailable') expect(o.reason).toMatch(/^(slot_full|slot_unavailable)$/);
    }
    expect(await db.bookingSeries.count({ where: { coachId } })).toBe(seriesIds.size);
  });
});
