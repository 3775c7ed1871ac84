import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { setupApi, TEST_API_CONFIG } from '../api/harness.ts';
import { ROOT, SPAWNING } from './process.ts';

// README's walk from an empty database to a member with a coach, through the real CLI: `user create`
// prints the user id and the profile id, and the API takes the member's profile id in the path and
// the coach's user id as coachId.

const api = await setupApi();
const app = await buildApp({ core: api.core, db: api.db, redis: api.redis, config: TEST_API_CONFIG, logger: createApiLogger(TEST_API_CONFIG) });
await app.listen({ host: '127.0.0.1', port: 0 });
afterAll(() => app.close());
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return cliWith({}, ...args);
}

async function cliWith(env: Record<string, string>, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: api.databaseUrl, ...env },
  });
}

describe('user create, then assign, as README shows', SPAWNING, () => {
  it('prints "<user id> <profile id>" and says which endpoint takes which', async () => {
    const coach = await cli('user', 'create', '--name', 'Cora Coach', '--role', 'Coach', '--email', 'cora@example.com');
    const [coachUserId, coachProfileId] = coach.stdout.trim().split(' ');
    expect(await api.db.coachProfile.findUnique({ where: { id: coachProfileId! } })).toMatchObject({ userId: coachUserId });
    expect(coach.stderr).toContain(`user id:           ${coachUserId}`);
    expect(coach.stderr).toMatch(/coachId/);

    const member = await cli('user', 'create', '--name', 'Max Member', '--role', 'Member', '--email', 'max@example.com');
    const [memberUserId, memberProfileId] = member.stdout.trim().split(' ');
    expect(await api.db.memberProfile.findUnique({ where: { id: memberProfileId! } })).toMatchObject({ userId: memberUserId });
    expect(member.stderr).toContain(`PATCH /members/${memberProfileId}/assign-coach`);

    const admin = await cli('user', 'create', '--name', 'Ada Admin', '--role', 'Admin', '--email', 'ada@example.com');
    expect(admin.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    const token = (await cli('token', 'create', '--user', 'ada@example.com')).stdout.trim();

    const assigned = await fetch(`${base}/members/${memberProfileId}/assign-coach`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ coachId: coachUserId }),
    });
    expect(assigned.status).toBe(200);
    expect(await assigned.json()).toMatchObject({ id: memberProfileId, userId: memberUserId, coachId: coachUserId });
  });
});

describe('the CLI in production', SPAWNING, () => {
  it('reads only what it uses: creates a user without BOT_ACTION_SECRET or any platform secret', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/SECRET|TOKEN/.test(name)));
    const created = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'user', 'create', '--name', 'Prod Admin', '--role', 'Admin', '--email', 'prod-admin@example.com'], {
      cwd: ROOT,
      env: { ...env, NODE_ENV: 'production', DATABASE_URL: api.databaseUrl },
    });
    expect(await api.db.user.findUnique({ where: { email: 'prod-admin@example.com' } })).toMatchObject({ id: created.stdout.trim() });
  });

  it('still refuses a bad value of a variable it uses, naming it', async () => {
    await expect(cliWith({ NODE_ENV: 'production', DB_LOCK_TIMEOUT_MS: 'soon' }, 'user', 'create', '--name', 'X', '--role', 'Admin')).rejects.toMatchObject({
      stderr: expect.stringContaining('DB_LOCK_TIMEOUT_MS is "soon"'),
    });
  });
});

describe('user link-code, as README shows', SPAWNING, () => {
  it('prints a 15-minute code alone on stdout, stored as its hash for the user', async () => {
    const coach = await cli('user', 'create', '--name', 'Lena Link', '--role', 'Coach', '--email', 'lena@example.com');
    const [coachUserId] = coach.stdout.trim().split(' ');
    const issued = await cli('user', 'link-code', '--user', 'lena@example.com');
    const code = issued.stdout.trim();
    expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    expect(issued.stderr).toContain(`Link code for user ${coachUserId}`);
    // The CLI runs on the real clock, this file's core on a test clock: the stored row is what links.
    const row = await api.db.linkCode.findUniqueOrThrow({ where: { codeHash: createHash('sha256').update(code.replace('-', '')).digest('hex') } });
    expect(row).toMatchObject({ userId: coachUserId, usedAt: null, issuedById: null });
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(15 * 60_000);
  });

  it('without --user it says what it needs and exits 2; an unknown user exits 1 with the reason', async () => {
    await expect(cli('user', 'link-code')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--user <email or id>') });
    await expect(cli('user', 'link-code', '--user', 'nobody@example.com')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('nobody@example.com') });
  });
});
