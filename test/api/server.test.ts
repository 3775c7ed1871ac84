import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { pgPool } from '../../src/db/client.ts';
import { makeUser } from '../helpers/factories.ts';
import { advisoryLockWaiters } from '../helpers/locks.ts';
import { portClosed } from '../runtime/process.ts';
import { setupApi, TEST_API_CONFIG } from './harness.ts';

// The same app on a real loopback port, spoken to with fetch as a client would.

const api = await setupApi();
const app = await buildApp({ core: api.core, db: api.db, redis: api.redis, config: TEST_API_CONFIG, logger: createApiLogger(TEST_API_CONFIG) });
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as AddressInfo;
const base = `http://127.0.0.1:${port}`;
let closed = false;
afterAll(async () => {
  if (!closed) await app.close();
});

const admin = await api.userWithToken('Admin');
const auth = { authorization: `Bearer ${admin.token}` };

describe('the API on a real port', () => {
  it('serves health, identity and errors over HTTP', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const me = await fetch(`${base}/me`, { headers: auth });
    expect(me.status).toBe(200);
    expect(me.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await me.json()) as { userId: string }).userId).toBe(admin.id);
    const anonymous = await fetch(`${base}/me`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ statusCode: 401, error: 'missing_token' });
    const missing = await fetch(`${base}/no/such/route`, { headers: auth });
    expect(await missing.json()).toMatchObject({ statusCode: 404, error: 'route_not_found' });
  });

  it('assigns a coach with a JSON PATCH, as the README shows with curl', async () => {
    const coach = await makeUser(api.db, 'Coach');
    const member = await makeUser(api.db, 'Member');
    const res = await fetch(`${base}/members/${member.memberId}/assign-coach`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ coachId: coach.id }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: member.memberId, coachId: coach.id });
  });

  it('serves /docs and its bundle, and an ICS feed as text/calendar', async () => {
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    const bundle = /src="([^"]*swagger-ui-bundle\.js)"/.exec(await docs.text())?.[1];
    const script = await fetch(new URL(bundle!, `${base}/docs/`));
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);

    const feed = await fetch(`${base}/me/calendar-feed`, { method: 'POST', headers: auth });
    expect(feed.status).toBe(201);
    const { url } = (await feed.json()) as { url: string };
    expect(url.startsWith(`${base}/calendar/`)).toBe(true);
    const ics = await fetch(url);
    expect(ics.status).toBe(200);
    expect(ics.headers.get('content-type')).toMatch(/^text\/calendar/);
    expect(await ics.text()).toMatch(/^BEGIN:VCALENDAR/);
  });

  it('closes gracefully: the request in flight finishes, idle keep-alive connections do not hold the close, the port closes', async () => {
    // Were close() to wait for idle keep-alive sockets to time out, this test would hang.
    app.server.keepAliveTimeout = 3_600_000;
    const keepAlive = new http.Agent({ keepAlive: true });
    const idle = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${base}/healthz`, { agent: keepAlive }, resolve).on('error', reject));
    idle.resume();
    await once(idle, 'end');

    // A booking held in flight: it waits for its coach's lock, which this test holds.
    const coach = await makeUser(api.db, 'Coach');
    const member = await api.userWithToken('Member', { coachId: coach.id });
    await api.db.coachAvailability.create({ data: { coachId: coach.id, dayOfWeek: 3, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: 1, bufferMinutes: 0 } });
    const lock = await pgPool(api.db).connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`coach:${coach.id}`]);
      const inFlight = fetch(`${base}/bookings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${member.token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        // TEST_EPOCH is Monday 2030-01-07 09:00 UTC; the coach works Wednesdays.
        body: JSON.stringify({ memberId: member.memberId, coachId: coach.id, requestedDate: '2030-01-09', requestedTime: '10:00' }),
      });
      await advisoryLockWaiters(pgPool(api.db));

      const closing = app.close();
      closed = true;
      await portClosed(port);
      await lock.query('COMMIT');
      const answered = await inFlight;
      expect(answered.status).toBe(201);
      expect(answered.headers.get('connection')).toBe('close');
      expect(await answered.json()).toMatchObject({ status: 'confirmed' });
      await closing;
    } finally {
      await lock.query('ROLLBACK');
      lock.release();
      keepAlive.destroy();
    }
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
