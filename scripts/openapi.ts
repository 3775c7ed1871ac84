import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createApiLogger } from '../src/api/index.ts';
import { loadConfig } from '../src/config.ts';
import { createCore, DEFAULT_CORE_CONFIG, systemClock } from '../src/core/index.ts';
import { createDb } from '../src/db/client.ts';
import { attachChat, buildBot, type ChatDeps } from '../src/roles.ts';
import { composeServer } from '../src/runtime/api.ts';
import { createProcessMetrics } from '../src/runtime/metrics.ts';

// The live OpenAPI document: the server composed as `npm start` composes it (every role: the admin
// API, its queue board and /metrics, the chat side with the playground and the configured
// platforms), its /openapi.json fetched without listening. Nothing is queried: the pool connects
// on a first query only; Redis is connected to, as the queue board's queues do at once.
//   tsx scripts/openapi.ts            prints it (stdout carries the document only)
//   tsx scripts/openapi.ts lint       lints it with Redocly's recommended rules (redocly.yaml)

export async function liveDocument(env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const config = { ...loadConfig(env), LOG_LEVEL: 'silent' as const };
  const logger = createApiLogger(config);
  const db = createDb(config.DATABASE_URL, { max: 1 });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const core = createCore({ db, clock: systemClock, config: DEFAULT_CORE_CONFIG });
  const deps: ChatDeps = { db, core, clock: systemClock, config, redis, logger };
  const chat = buildBot(deps);
  const server = await composeServer(
    { config, logger, db, redis, core, metrics: createProcessMetrics({ logger }) },
    { api: true, extend: async (app) => (await attachChat(app, deps, chat)).urls },
  );
  try {
    const res = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}: ${res.body}`);
    return res.json();
  } finally {
    await server.app.close();
    for (const receiver of chat.receivers) await receiver.stop();
    await server.release();
    redis.disconnect();
    await db.$disconnect();
  }
}

/**
 * Runs `redocly lint` on the document, with the project's redocly.yaml and the exceptions in
 * .redocly.lint-ignore.yaml, whose keys name the document `openapi.json` beside them: all three are
 * written to a fresh temporary folder, so concurrent runs never share a file.
 */
function lint(document: unknown): number {
  const root = join(import.meta.dirname, '..');
  const dir = mkdtempSync(join(tmpdir(), 'coachbot-openapi-'));
  try {
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document, null, 2));
    for (const file of ['redocly.yaml', '.redocly.lint-ignore.yaml']) copyFileSync(join(root, file), join(dir, file));
    const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
    const result = spawnSync(process.execPath, [cli, 'lint', 'openapi.json', '--config', 'redocly.yaml'], {
      cwd: dir,
      stdio: 'inherit',
      // Offline and quiet: no usage telemetry, no version check against the registry.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' },
    });
    return result.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const document = await liveDocument();
  if (process.argv[2] === 'lint') {
    process.exitCode = lint(document);
  } else {
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }
}
