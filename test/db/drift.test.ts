import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDatabase } from '../../src/db/database.ts';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { databaseUrl, dropDatabase, testDatabaseName, withAdmin } from '../helpers/postgres.ts';

// The schema in prisma/schema.prisma and the database our runner builds from prisma/migrations must
// not drift apart. Prisma itself is the judge: `migrate diff --exit-code` exits 0 when a database
// matches the schema and 2 when it does not.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const names = { good: testDatabaseName('drift'), broken: testDatabaseName('drift_broken') };
let brokenDir: string | undefined;

afterAll(async () => {
  await withAdmin(async (client) => {
    for (const name of Object.values(names)) await dropDatabase(client, name);
  });
  if (brokenDir) await rm(brokenDir, { recursive: true, force: true });
});

async function freshDatabase(name: string): Promise<string> {
  await withAdmin((client) => dropDatabase(client, name));
  const url = databaseUrl(name);
  await ensureDatabase(url);
  return url;
}

/** Prisma's comparison of a database (through prisma.config.ts's DATABASE_URL) with the schema. */
function prismaDiff(url: string): Promise<{ code: number | null; output: string }> {
  const args = ['scripts/prisma.mjs', 'migrate', 'diff', '--from-config-datasource', '--to-schema', 'prisma/schema.prisma', '--exit-code'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, DATABASE_URL: url } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** A copy of the migrations whose init migration forgets one column of coach_profiles. */
async function migrationsMissingCoachTimezone(): Promise<string> {
  brokenDir = await mkdtemp(path.join(tmpdir(), 'coachbot-drift-'));
  await cp(MIGRATIONS_DIR, brokenDir, { recursive: true });
  const init = (await readdir(brokenDir)).filter((n) => n.endsWith('_init')).sort()[0];
  if (!init) throw new Error('no init migration found');
  const file = path.join(brokenDir, init, 'migration.sql');
  const sql = await readFile(file, 'utf8');
  const table = sql.indexOf('CREATE TABLE "coach_profiles"');
  const end = sql.indexOf(');', table);
  const column = sql.indexOf('"timezone"', table);
  if (table < 0 || column < 0 || column > end) throw new Error('coach_profiles.timezone not found in the init migration');
  const lineStart = sql.lastIndexOf('\n', column) + 1;
  const lineEnd = sql.indexOf('\n', column) + 1;
  await writeFile(file, sql.slice(0, lineStart) + sql.slice(lineEnd));
  return brokenDir;
}

describe('schema drift', () => {
  it('finds no difference between prisma/schema.prisma and a database migrated by our runner', async () => {
    const url = await freshDatabase(names.good);
    await migrate(url);
    const { code, output } = await prismaDiff(url);
    expect(code, output).toBe(0);
    // The CLI has been seen to exit 0 when its engine crashed; a real comparison says so.
    expect(output).toContain('No difference detected');
  });

  it('does report drift when a migration lacks a column of the schema', async () => {
    const url = await freshDatabase(names.broken);
    await migrate(url, await migrationsMissingCoachTimezone());
    const { code, output } = await prismaDiff(url);
    expect(code, output).toBe(2);
    expect(output).toMatch(/coach_profiles[\s\S]*timezone/);
  });
});
