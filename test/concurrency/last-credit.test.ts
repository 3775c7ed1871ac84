import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenService } from '../../src/core/tokens/index.ts';
import { createAccessService } from '../../src/core/access/service.ts';
import { ManualClock } from '../../src/core/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { makeMember } from '../helpers/factories.ts';
import { coachWorld, HOUR, setWindows } from '../core/bookings.fixtures.ts';

// The last credit across two API processes (docs/design.md §12): each process has its own pool and
// core; bookings for different slots of one coach who requires credits hit both at once. However the
// requests interleave, exactly as many bookings are confirmed as the member had credits, the rest
// are refused with no_credits, and the ledger never goes below zero.

const { db, core, databaseUrl } = await setupCore();
const tokens = createTokenService({ db, clock: new ManualClock(TEST_EPOCH) }, createAccessService(db));
const children: ChildProcess[] = [];
let ports: number[] = [];

function startApi(): Promise<number> {
  const script = fileURLToPath(new URL('./api-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, API_DATABASE_URL: databaseUrl, API_NOW: String(TEST_EPOCH.getTime()) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`api process exited ${code}: ${err}`)));
  });
}

beforeAll(async () => {
  ports = await Promise.all([startApi(), startApi()]);
});

afterAll(() => {
  for (const child of children) child.stdin?.end();
});

describe('the last credit over two API processes', () => {
  it('is spent once: as many bookings confirm as there were credits, every other one is no_credits', async () => {
    const w = await coachWorld(db, { members: 0 });
    const coachId = w.coach.user.id;
    await db.coachProfile.update({ where: { userId: coachId }, data: { requiresCredits: true } });
    await setWindows(db, coachId, [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: 10 })));
    // Rounds of one member with `credits` credits sending `attempts` bookings for different slots,
    // alternately to the two processes, all at once.
    const rounds = [
      ...Array.from({ length: 12 }, () => ({ credits: 1, attempts: 2 })),
      { credits: 1, attempts: 8 },
      { credits: 3, attempts: 8 },
    ];
    for (const [r, round] of rounds.entries()) {
      const member = await makeMember(db, { coachId });
      const actor = await createAccessService(db).actorFor(member.id);
      await core.credits.grant(w.admin.actor, member.memberId!, { count: round.credits });
      const token = (await tokens.issue({ user: member.id })).token;
      const results = await Promise.all(
        Array.from({ length: round.attempts }, async (_, i) => {
          const startsAt = new Date(TEST_EPOCH.getTime() + (24 + r * 10 + i) * HOUR).toISOString();
          const res = await fetch(`http://127.0.0.1:${ports[i % 2]}/bookings`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            body: JSON.stringify({ memberId: member.memberId, coachId, startsAt, duration: 60 }),
          });
          return { status: res.status, body: (await res.json()) as { status?: string; error?: string } };
        }),
      );
      const confirmed = results.filter((x) => x.status === 201 && x.body.status === 'confirmed');
      const refused = results.filter((x) => x.status === 409 && x.body.error === 'no_credits');
      expect(confirmed.length, `round ${r}`).toBe(round.credits);
      expect(refused.length, `round ${r}: ${JSON.stringify(results)}`).toBe(round.attempts - round.credits);
      const ledger = await core.credits.listLedger(actor, member.memberId!);
      expect(ledger).toMatchObject({ balance: 0, available: 0, reserved: round.credits });
      const sessions = await db.session.count({ where: { memberId: member.memberId!, status: 'scheduled' } });
      expect(sessions).toBe(round.credits);
      // The coach was told once that this member ran out.
      const told = await db.notification.findMany({ where: { userId: coachId, type: 'credits.exhausted' } });
      expect(told.filter((n) => (n.payload as { memberId: string }).memberId === member.memberId)).toHaveLength(1);
    }
  });
});
