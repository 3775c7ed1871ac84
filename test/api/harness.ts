import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { buildApp, type ApiConfig, type AppDeps } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import type { CoreConfig, CoreTelemetry } from '../../src/core/index.ts';
import type { DbTimeouts } from '../../src/db/client.ts';
import { setupCore, type TestContext } from '../helpers/core.ts';
import { makeUser, type MadeUser, type UserOverrides } from '../helpers/factories.ts';
import type { RoleName } from '../../src/core/index.ts';

// The admin API over a test file's own database, built with the same buildApp as main.ts.

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Rate-limit keys of their own in the Redis that every test run on this machine shares. */
export const uniqueRateLimitPrefix = () => `coachbot:test:${process.pid}:${randomUUID()}:ratelimit:`;

export const TEST_API_CONFIG: ApiConfig = {
  API_RATE_LIMIT_PER_MINUTE: 1_000_000,
  API_AUTH_FAILURES_PER_MINUTE: 1_000_000,
  API_RATE_LIMIT_KEY_PREFIX: uniqueRateLimitPrefix(),
  API_BODY_LIMIT_BYTES: 64 * 1024,
  LOG_LEVEL: 'silent',
};

export interface ApiContext extends TestContext {
  app: FastifyInstance;
  redis: Redis;
  /** A user with a fresh API token. */
  userWithToken(role: RoleName, o?: UserOverrides): Promise<MadeUser & { token: string }>;
  tokenFor(user: { id: string }): Promise<string>;
  /** app.inject with the token as a bearer header. */
  call(token: string | null, options: InjectOptions): Promise<LightMyRequestResponse>;
}

export function testRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
}

export async function setupApi(
  options: {
    api?: Partial<ApiConfig>;
    core?: Partial<CoreConfig>;
    redis?: boolean;
    dbTimeouts?: Partial<DbTimeouts>;
    /** Core's telemetry and the /metrics that shows it (a process's metrics: src/runtime/metrics.ts). */
    telemetry?: CoreTelemetry;
    metrics?: AppDeps['metrics'];
  } = {},
): Promise<ApiContext> {
  const ctx = await setupCore(options.core, options.dbTimeouts, options.telemetry);
  const redis = testRedis();
  const config = { ...TEST_API_CONFIG, API_RATE_LIMIT_KEY_PREFIX: uniqueRateLimitPrefix(), ...options.api };
  const app = await buildApp({
    core: ctx.core,
    db: ctx.db,
    config,
    logger: createApiLogger(config),
    ...(options.redis === false ? {} : { redis }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  await app.ready();
  afterAll(async () => {
    await app.close();
    redis.disconnect();
  });
  const tokenFor = async (user: { id: string }) => (await ctx.core.tokens.issue({ user: user.id })).token;
  return {
    ...ctx,
    app,
    redis,
    tokenFor,
    async userWithToken(role, o) {
      const user = await makeUser(ctx.db, role, o);
      return { ...user, token: await tokenFor(user) };
    },
    call(token, inject) {
      const headers = { ...(inject.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
      return app.inject({ ...inject, headers });
    },
  };
}

/**
 * A fingerprint of every table's content: equal before and after a request means the request
 * wrote nothing. api_tokens.lastUsedAt is left out (authentication's own bookkeeping).
 */
export async function databaseFingerprint(db: TestContext['db']): Promise<Record<string, string>> {
  const tables = await db.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
    ORDER BY table_name`;
  const parts = tables.map(({ table_name: name }) => {
    // A token's lastUsedAt, and a chat account's (with whether it is reachable, and updatedAt), are
    // bookkeeping every use writes: the fingerprint is of what the account is and who it belongs to.
    // Where a user's notices go is a preference any of their genuine buttons ("Send notices here")
    // may set, like the chat account last used: the rest of the user is fingerprinted.
    const row =
      name === 'api_tokens'
        ? `(t."id", t."revokedAt", t."expiresAt", t."name")::text`
        : name === 'chat_identities'
          ? `(t."id", t."userId", t."platform", t."scope", t."platformUserId", t."dmChannelId", t."createdAt")::text`
          : name === 'users'
            ? `(to_jsonb(t) - 'preferredPlatform' - 'updatedAt')::text`
            : 't::text';
    return `SELECT '${name}' AS name, count(*)::text || ':' || coalesce(md5(string_agg(${row}, ',' ORDER BY ${row})), '') AS print FROM "${name}" t`;
  });
  const rows = await db.$queryRawUnsafe<{ name: string; print: string }[]>(parts.join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.name, r.print]));
}
