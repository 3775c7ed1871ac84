import { afterAll, describe, expect, it } from 'vitest';
import { cloneTemplate, dropDatabase, withAdmin } from '../helpers/postgres.ts';
import { parseExposition, valueOf } from '../helpers/prometheus.ts';
import { FROM_SOURCE, serviceEnv, startService, type LogLine, SPAWNING } from './process.ts';

// A fresh process warms up before its port opens: its first requests answer like any later one,
// and /readyz says ready as soon as anything can ask. The real entry point on a fresh database.

const { name, url } = await cloneTemplate();
const service = startService(FROM_SOURCE, serviceEnv({ DATABASE_URL: url }));
afterAll(async () => {
  if (service.child.exitCode === null) {
    service.child.kill('SIGTERM');
    await service.exited;
  }
  await withAdmin((client) => dropDatabase(client, name));
}, SPAWNING.timeout);

const port = await service.ready;
const base = `http://127.0.0.1:${port}`;
// The first start on a database without an admin prints the local admin's token, once, in the
// banner that ends the start (after every role has started).
const token = /export TOKEN=(\S+)/.exec(await service.printed(/export TOKEN=\S+\n/))?.[1];

const index = (lines: LogLine[], match: (l: LogLine) => boolean) => lines.findIndex(match);

describe('a fresh process', SPAWNING, () => {
  it('logs the Node version it runs on, which is Node 24', async () => {
    const starting = await service.logged((l) => l.msg.startsWith('starting coachbot'));
    expect(starting.node).toBe(process.version);
    expect(starting.node).toMatch(/^v24\./);
  });

  it('warms up before the port opens, and leaves its own requests out of the request log', () => {
    const lines = service
      .stdout()
      .split('\n')
      .filter((t) => t.startsWith('{'))
      .map((t) => JSON.parse(t) as LogLine);
    const warmed = index(lines, (l) => l.msg === 'warmed up');
    const listening = index(lines, (l) => /Server listening/.test(l.msg));
    expect(lines[warmed]!.requests).toEqual(expect.arrayContaining(['/openapi.json', '/me']));
    expect(listening).toBeGreaterThan(warmed);
    expect(lines.filter((l) => l.msg === 'incoming request' && (l.req as { remoteAddress?: string }).remoteAddress === '192.0.2.1')).toEqual([]);
  });

  it('says ready on its first /readyz, and its first requests answer correctly', async () => {
    expect(token).toBeDefined();
    const auth = { authorization: `Bearer ${token}` };
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', process: 'ready', checks: { postgres: 'up', redis: 'up' } });
    expect(ready.status).toBe(200);

    const me = await fetch(`${base}/me`, { headers: auth });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: 'Admin' });
    const coaches = await fetch(`${base}/coaches`, { headers: auth });
    expect(coaches.status).toBe(200);
    expect(await coaches.json()).toEqual({ items: [], nextCursor: null });
    const docs = await fetch(`${base}/openapi.json`);
    expect(docs.status).toBe(200);
  });

  it('serves /metrics (role all: the API and the workers) with each queue once, though both hold the queues', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    // The strict reader refuses a series given twice.
    const families = parseExposition(await res.text());
    expect(valueOf(families, 'coachbot_queue_jobs', { queue: 'notifications', state: 'waiting' })).toBeTypeOf('number');
    expect(valueOf(families, 'coachbot_notifications_due')).toBeTypeOf('number');
  });
});
