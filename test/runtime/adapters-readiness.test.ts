import { afterAll, describe, expect, it } from 'vitest';
import { FAKE_TOKEN, startFakeTelegram, type FakeTelegram } from '../fakes/telegram.ts';
import { setupCore } from '../helpers/core.ts';
import { FROM_SOURCE, serviceEnv, startService, SPAWNING, type ServiceProcess } from './process.ts';

// Chat platforms that cannot be reached, as the real entry point meets them: no platform call gates
// the HTTP port or another platform, and /readyz names the adapter that is not ready. Slack is set up
// with a bot token and no route to Slack (slack.com does not resolve from the test machine, and
// would refuse the token if it did); Telegram polls a local fake of the Bot API.

const { databaseUrl } = await setupCore();
const started: ServiceProcess[] = [];
// One fake Bot API per process: a poller left over from one test must not take the next one's fault.
const fakes = [await startFakeTelegram(), await startFakeTelegram()];
afterAll(async () => {
  for (const s of started) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
  }
  for (const fake of fakes) await fake.close();
}, SPAWNING.timeout);

function start(telegram: FakeTelegram, env: Record<string, string>): ServiceProcess {
  const telegramEnv = { TELEGRAM_BOT_TOKEN: FAKE_TOKEN, TELEGRAM_MODE: 'polling', TELEGRAM_API_ROOT: telegram.apiRoot };
  const service = startService(FROM_SOURCE, serviceEnv({ DATABASE_URL: databaseUrl, MIGRATE_ON_START: 'false', ...telegramEnv, ...env }));
  started.push(service);
  return service;
}

async function readyz(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, unknown> } };
}

describe('a chat platform that cannot be reached', SPAWNING, () => {
  it('Slack unreachable: the API serves and Telegram polls all the same, and /readyz names slack', async () => {
    const telegram = fakes[0]!;
    const service = start(telegram, { SLACK_BOT_TOKEN: 'xoxb-unreachable', SLACK_SIGNING_SECRET: 'runtime-tests-signing-secret', SLACK_PORT: '0' });
    const port = await service.ready;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    await service.logged((l) => l.msg === 'telegram: receiving');
    await telegram.waitFor('getUpdates', 1);

    const down = await service.logged((l) => l.msg.startsWith('slack cannot start: '));
    expect(down.adapter).toBe('slack');
    expect(await readyz(port)).toMatchObject({ status: 503, body: { status: 'not_ready', checks: { adapters: { slack: 'down', telegram: 'ready' } } } });
    // Said once, not at every retry.
    expect(service.stdout().split('\n').filter((l) => l.includes('slack cannot start'))).toHaveLength(1);
  });

  it('Telegram refusing the polling (409, another process polls the bot): one line, and /readyz names telegram', async () => {
    const conflict = 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
    const telegram = fakes[1]!;
    telegram.failNext('getUpdates', { status: 409, description: conflict });
    const service = start(telegram, {});
    const port = await service.ready;
    const stopped = await service.logged((l) => l.msg.startsWith('telegram: polling stopped for good'));
    expect(stopped.msg).toContain(conflict);
    expect(await readyz(port)).toMatchObject({ status: 503, body: { status: 'not_ready', checks: { adapters: { telegram: 'down' } } } });
    expect(service.stdout().split('\n').filter((l) => l.includes('telegram: polling stopped'))).toHaveLength(1);
  });
});
