import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/api/index.ts';
import { loadConfig } from '../src/config.ts';
import { createCore, DEFAULT_CORE_CONFIG, systemClock } from '../src/core/index.ts';
import { createDb } from '../src/db/client.ts';

// The live OpenAPI document, as buildApp serves it at /openapi.json, without a server or a database
// (nothing is queried: the pool only connects on a first query).
//   tsx scripts/openapi.ts            prints it
//   tsx scripts/openapi.ts lint       lints it with Redocly's recommended rules (redocly.yaml)

async function liveDocument(): Promise<unknown> {
  const config = { ...loadConfig(), LOG_LEVEL: 'silent' as const };
  const db = createDb(config.DATABASE_URL, { max: 1 });
  const core = createCore({ db, clock: systemClock, config: DEFAULT_CORE_CONFIG });
  const app = await buildApp({ core, db, config });
  try {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}: ${res.body}`);
    return res.json();
  } finally {
    await app.close();
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

const document = await liveDocument();
if (process.argv[2] === 'lint') {
  process.exitCode = lint(document);
} else {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}
