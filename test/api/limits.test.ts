import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_BUFFER_MINUTES, MAX_SEATS_PER_SLOT, MAX_SLOT_MINUTES, MIN_SLOT_MINUTES } from '../../src/core/availability/index.ts';
import { MAX_MEMBERS_LIMIT } from '../../src/core/coaches/index.ts';
import { setupApi } from './harness.ts';

// The API's request schemas take their bounds from core, so a value core accepts is never refused
// by the API first (and the other way round). Each request names a missing resource: a value inside
// the bounds gets as far as core's 404, one outside them is a 400 naming the field.

const api = await setupApi();
const admin = await api.userWithToken('Admin');

type Case = [name: string, request: (value: number) => { method: 'PATCH' | 'POST' | 'GET'; url: string; payload?: object; headers?: Record<string, string> }, field: string, inside: number, outside: number];

const missing = randomUUID();
const cases: Case[] = [
  ['PATCH /sessions/:id duration, lowest', (duration) => ({ method: 'PATCH', url: `/sessions/${missing}`, payload: { duration } }), 'duration', MIN_SLOT_MINUTES, MIN_SLOT_MINUTES - 1],
  ['PATCH /sessions/:id duration, highest', (duration) => ({ method: 'PATCH', url: `/sessions/${missing}`, payload: { duration } }), 'duration', MAX_SLOT_MINUTES, MAX_SLOT_MINUTES + 1],
  [
    'POST /bookings duration, lowest',
    (duration) => ({
      method: 'POST',
      url: '/bookings',
      headers: { 'idempotency-key': randomUUID() },
      payload: { memberId: missing, coachId: missing, requestedDate: '2030-01-08', requestedTime: '10:00', duration },
    }),
    'duration',
    MIN_SLOT_MINUTES,
    MIN_SLOT_MINUTES - 1,
  ],
  ['PATCH /coach-availability/:id maxSessionsPerSlot', (n) => ({ method: 'PATCH', url: `/coach-availability/${missing}`, payload: { maxSessionsPerSlot: n } }), 'maxSessionsPerSlot', MAX_SEATS_PER_SLOT, MAX_SEATS_PER_SLOT + 1],
  ['PATCH /coach-availability/:id bufferMinutes', (n) => ({ method: 'PATCH', url: `/coach-availability/${missing}`, payload: { bufferMinutes: n } }), 'bufferMinutes', MAX_BUFFER_MINUTES, MAX_BUFFER_MINUTES + 1],
  ['PATCH /coaches/:id maxMembers', (n) => ({ method: 'PATCH', url: `/coaches/${missing}`, payload: { maxMembers: n } }), 'maxMembers', MAX_MEMBERS_LIMIT, MAX_MEMBERS_LIMIT + 1],
];

describe('request bounds shared with core', () => {
  it.each(cases)('%s: core\'s bound passes the API, one past it is a 400', async (_name, request, field, inside, outside) => {
    const ok = await api.call(admin.token, request(inside));
    expect(ok.statusCode, ok.body).toBe(404);
    const refused = await api.call(admin.token, request(outside));
    expect(refused.statusCode).toBe(400);
    expect(JSON.stringify(refused.json())).toContain(field);
  });
});
