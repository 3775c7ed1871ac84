import { afterAll, describe, expect, it } from 'vitest';
import { cloneTemplate, dropDatabase, withAdmin } from '../helpers/postgres.ts';
import { parseExposition, valueOf } from '../helpers/prometheus.ts';
import { FROM_SOURCE, serviceEnv, startService, SPAWNING, type ServiceProcess } from './process.ts';

// Every process role serves HTTP on PORT, so that an orchestrator can probe it and Prometheus scrape
// it: a worker process and a bot process, spawned as a supervisor runs them, answer /healthz,
// /readyz and /metrics (behind METRICS_TOKEN), and stop cleanly on SIGTERM.

const TOKEN = 'runtime-metrics-token-0123456789';
const { name, url } = await cloneTemplate();
const services: Record<'worker' | 'bot', ServiceProcess> = {
  worker: startService([...FROM_SOURCE, '--role', 'worker'], serviceEnv({ DATABASE_URL: url, METRICS_TOKEN: TOKEN })),
  bot: startService([...FROM_SOURCE, '--role', 'bot'], serviceEnv({ DATABASE_URL: url, METRICS_TOKEN: TOKEN })),
};
afterAll(async () => {
  for (const service of Object.values(services)) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
  }
  await withAdmin((client) => dropDatabase(client, name));
}, SPAWNING.timeout);

async function baseOf(service: ServiceProcess): Promise<string> {
  const ready = await service.logged((l) => /^server ready at /.test(l.msg));
  return `http://127.0.0.1:${ready.port as number}`;
}

async function scrape(base: string) {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

describe('process roles without the API', SPAWNING, () => {
  it('--role worker serves /healthz, /readyz (ready) and /metrics with its queues and backlog, not the admin API', async () => {
    const base = await baseOf(services.worker);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', process: 'ready', checks: { postgres: 'up', redis: 'up' } });
    expect(ready.status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const families = await scrape(base);
    expect(valueOf(families, 'coachbot_queue_jobs', { queue: 'notifications', state: 'waiting' })).toBeTypeOf('number');
    expect(valueOf(families, 'coachbot_notifications_due')).toBe(0);
    expect(valueOf(families, 'coachbot_notification_oldest_due_seconds')).toBe(0);
    expect(families.has('coachbot_process_resident_memory_bytes')).toBe(true);
    expect((await fetch(`${base}/me`)).status).toBe(404);
  });

  it('--role bot serves /healthz, /readyz and /metrics beside the chat side; its metrics have no queues (it holds none)', async () => {
    const base = await baseOf(services.bot);
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', process: 'ready', checks: { postgres: 'up', redis: 'up' } });
    expect(ready.status).toBe(200);
    expect((await fetch(`${base}/playground`)).status).toBe(200);
    const families = await scrape(base);
    expect(valueOf(families, 'coachbot_bookings_total', { source: 'bot' })).toBe(0);
    expect(families.has('coachbot_queue_jobs')).toBe(false);
    expect(families.has('coachbot_notifications_due')).toBe(false);
  });

  it('stop on SIGTERM with status 0, and never write the metrics token to their output', async () => {
    for (const service of Object.values(services)) {
      await baseOf(service);
      service.child.kill('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
      expect(service.stdout() + service.stderr()).not.toContain(TOKEN);
    }
  });
});
