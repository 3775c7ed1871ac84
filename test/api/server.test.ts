import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { makeUser } from '../helpers/factories.ts';
import { setupApi, TEST_API_CONFIG } from './harness.ts';

// The same app on a real loopback port, spoken to with fetch as a client would.

const api = await setupApi();
const app = await buildApp({ core: api.core, db: api.db, redis: api.redis, config: TEST_API_CONFIG, logger: createApiLogger(TEST_API_CONFIG) });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
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

  it('closes gracefully: in-flight requests finish, then the port stops answering', async () => {
    const inFlight = fetch(`${base}/readyz`);
    await new Promise((r) => setTimeout(r, 5));
    const closing = app.close();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ status: 'ready' });
    const started = Date.now();
    await closing;
    // Keep-alive sockets do not hold the close until they time out.
    expect(Date.now() - started).toBeLessThan(5_000);
    closed = true;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
