import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TEST_EPOCH } from '../helpers/core.ts';
import { buildWorld } from './fixtures.ts';
import { setupApi } from './harness.ts';

// Packages, the credit ledger and the coach's credit settings over HTTP (docs/design.md §12).

const api = await setupApi();
const world = await buildWorld(api, { coaches: 2, membersPerCoach: 2, unassigned: 0, sessionsPerMember: 0 });
const { admin } = world;
const coach = world.coaches[0]!;
const other = world.coaches[1]!;
const member = world.members[0]!;
const HOUR = 3_600_000;

type Json = Record<string, unknown>;
async function call(token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, status = 200, headers: Record<string, string> = {}): Promise<Json> {
  const res = await api.call(token, { method, url, headers, ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.body ? (res.json() as Json) : {};
}

describe('credits over the API', () => {
  it('createPackage, listPackages, archivePackage; grantCredits from it; listCreditLedger shows balance and expiry', async () => {
    const pkg = await call(coach.token, 'POST', `/coaches/${coach.id}/packages`, { name: 'Five', sessions: 5, validityDays: 30 }, 201);
    expect(pkg).toMatchObject({ name: 'Five', sessions: 5, validityDays: 30, archivedAt: null });
    await call(other.token, 'POST', `/coaches/${coach.id}/packages`, { name: 'Mine', sessions: 5, validityDays: 30 }, 403);
    expect(((await call(member.token, 'GET', `/coaches/${coach.id}/packages`)).items as Json[]).map((p) => p.id)).toEqual([pkg.id]);
    const granted = await call(coach.token, 'POST', `/members/${member.memberId}/credits`, { packageId: pkg.id }, 201);
    expect(granted).toMatchObject({ memberId: member.memberId, coachId: coach.id, balance: 5, available: 5, total: 5, requiresCredits: false });
    expect(granted.until).toBe(new Date(TEST_EPOCH.getTime() + 30 * 24 * HOUR).toISOString());
    const ledger = await call(member.token, 'GET', `/members/${member.memberId}/credits`);
    expect((ledger.entries as Json[]).map((e) => e.kind)).toEqual(['grant']);
    await call(world.members[2]!.token, 'GET', `/members/${member.memberId}/credits`, undefined, 403);
    const archived = await call(coach.token, 'POST', `/coaches/${coach.id}/packages/${pkg.id}/archive`);
    expect(archived.archivedAt).not.toBeNull();
    expect((await call(coach.token, 'POST', `/members/${member.memberId}/credits`, { packageId: pkg.id }, 422)).error).toBe('package_archived');
  });

  it('bad input is a 400 naming the field, and writes nothing', async () => {
    const before = await api.db.creditEntry.count();
    const e1 = await call(coach.token, 'POST', `/members/${member.memberId}/credits`, { count: 0 }, 400);
    expect(JSON.stringify(e1.details)).toContain('count');
    const e2 = await call(coach.token, 'POST', `/members/${member.memberId}/credits`, { count: 2, packageId: randomUUID() }, 400);
    expect(JSON.stringify(e2.details)).toContain('count');
    await call(coach.token, 'POST', `/members/${member.memberId}/credits`, { count: 2, extra: true }, 400);
    const e3 = await call(coach.token, 'POST', `/coaches/${coach.id}/packages`, { name: 'x', sessions: 1, validityDays: -1 }, 400);
    expect(JSON.stringify(e3.details)).toContain('validityDays');
    await call(admin.token, 'POST', `/members/${member.memberId}/credits`, { adjust: -1 }, 400);
    await call(coach.token, 'PATCH', `/coaches/${coach.id}`, { cancellationCutoffHours: -3 }, 400);
    expect(await api.db.creditEntry.count()).toBe(before);
  });

  it('a coach who requires credits: booking reserves, the last credit refuses with no_credits, the session shows its cut-off', async () => {
    const m = world.members[1]!;
    const settings = await call(coach.token, 'PATCH', `/coaches/${coach.id}`, { requiresCredits: true, cancellationCutoffHours: 12 });
    expect(settings).toMatchObject({ requiresCredits: true, cancellationCutoffHours: 12, lateCancelConsumes: true, noShowConsumes: true });
    await call(coach.token, 'POST', `/members/${m.memberId}/credits`, { count: 1, reason: 'trial' }, 201);
    const startsAt = new Date(TEST_EPOCH.getTime() + 48 * HOUR).toISOString();
    const booking = await call(m.token, 'POST', '/bookings', { memberId: m.memberId, coachId: coach.id, startsAt, duration: 60 }, 201, { 'idempotency-key': randomUUID() });
    const session = await call(m.token, 'GET', `/sessions/${booking.sessionId as string}`);
    expect(session).toMatchObject({ cancelledLate: false, cancellation: { cutoffAt: new Date(TEST_EPOCH.getTime() + 36 * HOUR).toISOString(), consumesCredit: true } });
    const later = new Date(TEST_EPOCH.getTime() + 50 * HOUR).toISOString();
    const refused = await call(m.token, 'POST', '/bookings', { memberId: m.memberId, coachId: coach.id, startsAt: later, duration: 60 }, 409, { 'idempotency-key': randomUUID() });
    expect(refused.error).toBe('no_credits');
    expect(await call(m.token, 'GET', `/members/${m.memberId}/credits`)).toMatchObject({ balance: 0, available: 0, reserved: 1 });
  });
});
