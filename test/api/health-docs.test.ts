import SwaggerParser from '@apidevtools/swagger-parser';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { createDb } from '../../src/db/client.ts';
import { databaseUrl } from '../helpers/postgres.ts';
import { setupApi, TEST_API_CONFIG } from './harness.ts';

const api = await setupApi();
const logger = createApiLogger(TEST_API_CONFIG);

describe('probes', () => {
  it('/healthz answers while the process is up, without a token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when PostgreSQL answers SELECT 1 and Redis answers PING', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { postgres: 'up', redis: 'up' } });
  });

  it('/readyz answers 503 when Redis is down', async () => {
    // Nothing listens on port 1; no offline queue, so PING fails at once instead of waiting.
    const redis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    const app = await buildApp({ core: api.core, db: api.db, redis, config: TEST_API_CONFIG, logger });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', checks: { postgres: 'up', redis: 'down' } });
    await app.close();
    redis.disconnect();
  });

  it('/readyz answers 503 when PostgreSQL is down', async () => {
    const gone = createDb(databaseUrl('coachbot_t_no_such_database'), { max: 1 });
    const app = await buildApp({ core: api.core, db: gone, redis: api.redis, config: TEST_API_CONFIG, logger });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', checks: { postgres: 'down', redis: 'up' } });
    await app.close();
    await gone.$disconnect();
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
