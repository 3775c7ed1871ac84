import SwaggerParser from '@apidevtools/swagger-parser';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { createDb, pgPool } from '../../src/db/client.ts';
import { databaseUrl } from '../helpers/postgres.ts';
import { setupApi, TEST_API_CONFIG } from './harness.ts';

const api = await setupApi();
const logger = createApiLogger(TEST_API_CONFIG);

/** Long enough that only a check that cannot answer at all is called down, however loaded the machine. */
const PATIENT = { readinessCheckTimeoutMs: 600_000 };

async function readyz(deps: Partial<Parameters<typeof buildApp>[0]> = {}) {
  const app = await buildApp({ core: api.core, db: api.db, redis: api.redis, config: TEST_API_CONFIG, logger, ...PATIENT, ...deps });
  try {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    return { statusCode: res.statusCode, body: res.json() as unknown };
  } finally {
    await app.close();
  }
}

describe('probes', () => {
  it('/healthz answers while the process is up, without a token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when the process is ready, PostgreSQL answers SELECT 1 and Redis answers PING', async () => {
    expect(await readyz()).toEqual({ statusCode: 200, body: { status: 'ready', process: 'ready', checks: { postgres: 'up', redis: 'up' } } });
    expect(await readyz({ readiness: { state: 'ready' } })).toMatchObject({ statusCode: 200 });
  });

  it('/readyz answers 503 while the process warms up and once it is stopping', async () => {
    for (const state of ['starting', 'stopping'] as const) {
      expect(await readyz({ readiness: { state } })).toEqual({
        statusCode: 503,
        body: { status: 'not_ready', process: state, checks: { postgres: 'up', redis: 'up' } },
      });
    }
  });

  it('/readyz answers 503 when Redis is down, unless the process serves without it (then 200, degraded)', async () => {
    // Nothing listens on port 1; no offline queue, so PING fails at once instead of waiting.
    const redis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      expect(await readyz({ redis })).toEqual({ statusCode: 503, body: { status: 'not_ready', process: 'ready', checks: { postgres: 'up', redis: 'down' } } });
      expect(await readyz({ redis, readinessRequiresRedis: false })).toEqual({
        statusCode: 200,
        body: { status: 'degraded', process: 'ready', checks: { postgres: 'up', redis: 'down' } },
      });
      // Serving without Redis is not serving without PostgreSQL, nor while warming up or stopping.
      const gone = createDb(databaseUrl('coachbot_t_no_such_database'), { max: 1 });
      try {
        expect(await readyz({ redis, db: gone, readinessRequiresRedis: false })).toMatchObject({ statusCode: 503, body: { status: 'not_ready' } });
      } finally {
        await gone.$disconnect();
      }
      expect(await readyz({ redis, readiness: { state: 'stopping' }, readinessRequiresRedis: false })).toMatchObject({ statusCode: 503, body: { status: 'not_ready' } });
    } finally {
      redis.disconnect();
    }
  });

  it('/readyz answers 503 when PostgreSQL is down', async () => {
    const gone = createDb(databaseUrl('coachbot_t_no_such_database'), { max: 1 });
    expect(await readyz({ db: gone })).toEqual({ statusCode: 503, body: { status: 'not_ready', process: 'ready', checks: { postgres: 'down', redis: 'up' } } });
    await gone.$disconnect();
  });

  it('/readyz calls a check that does not answer in time down, rather than hanging', async () => {
    // The pool's only connection is taken, so SELECT 1 can never run: only the check's bound ends it.
    const busy = createDb(api.databaseUrl, { max: 1 });
    const held = await pgPool(busy).connect();
    try {
      expect(await readyz({ db: busy, redis: undefined, readinessCheckTimeoutMs: 1 })).toEqual({
        statusCode: 503,
        body: { status: 'not_ready', process: 'ready', checks: { postgres: 'down', redis: 'not_configured' } },
      });
    } finally {
      held.release();
      await busy.$disconnect();
    }
  });
});

describe('API documentation', () => {
  it('/openapi.json is a valid OpenAPI 3 document describing every route', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
    const paths = Object.keys(doc.paths);
    for (const path of ['/members/{id}/assign-coach', '/coach-availability/{coachId}/slots', '/sessions/{id}/rate', '/bookings/pending', '/me/dashboard', '/calendar/{token}.ics', '/tokens', '/users/{id}/permissions']) {
      expect(paths).toContain(path);
    }
    expect(doc.paths['/members/{id}/assign-coach'].patch.requestBody.content['application/json'].schema.properties.coachId.format).toBe('uuid');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('/docs renders the interactive page, and the swagger-ui bundle it references loads', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const bundle = /src="([^"]*swagger-ui-bundle\.js)"/.exec(page.body)?.[1];
    expect(bundle).toBeDefined();
    const script = await api.app.inject({ method: 'GET', url: new URL(bundle!, 'http://localhost/docs/').pathname });
    expect(script.statusCode).toBe(200);
    expect(script.body.length).toBeGreaterThan(100_000);
    const init = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
  });
});
