import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { createCore, DEFAULT_CORE_CONFIG } from '../../src/core/index.ts';
import { createDb } from '../../src/db/client.ts';
import { setupCore } from '../helpers/core.ts';
import { makeAdmin } from '../helpers/factories.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { SERVER_URL } from '../helpers/postgres.ts';
import { TEST_API_CONFIG } from './harness.ts';

// PostgreSQL restarting or failing over: every request meanwhile answers 503 with Retry-After, in
// the error format (never a 500), the process stays up (a connection the server drops while lent
// out must not crash it), and it serves again as soon as the database is back. The outage is played
// by a relay between this app's pool and PostgreSQL that drops every connection and refuses new ones.

const t = await setupCore();
const server = new URL(SERVER_URL);
const relay = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
const proxied = new URL(t.databaseUrl);
proxied.host = relay.address;
const db = createDb(proxied.toString(), { max: 4 });
const core = createCore({ db, clock: t.clock, config: DEFAULT_CORE_CONFIG });
const config = { ...TEST_API_CONFIG };
const app = await buildApp({ core, db, config, logger: createApiLogger(config) });
const admin = await makeAdmin(t.db);
const token = (await t.core.tokens.issue({ user: admin.id })).token;
afterAll(async () => {
  await app.close();
  await db.$disconnect();
  await relay.close();
});

const me = () => app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
const newToken = () => app.inject({ method: 'POST', url: '/tokens', headers: { authorization: `Bearer ${token}` }, payload: { name: 'during the outage' } });

describe('PostgreSQL unreachable', () => {
  it('answers 503 database_unavailable with Retry-After, writes nothing, and serves again once the database is back', async () => {
    expect((await me()).statusCode).toBe(200);
    const tokensBefore = await t.db.apiToken.count();

    relay.cut();
    for (const res of [await me(), await newToken(), await me()]) {
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.json()).toMatchObject({ statusCode: 503, error: 'database_unavailable' });
    }

    relay.restore();
    expect((await me()).statusCode).toBe(200);
    expect(await t.db.apiToken.count()).toBe(tokensBefore);
  });
});
