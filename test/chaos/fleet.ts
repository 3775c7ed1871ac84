import { FROM_SOURCE, serviceEnv, startService, type ServiceProcess } from '../runtime/process.ts';
import { FAKE_TOKEN } from '../fakes/telegram.ts';
import { freePort } from './services.ts';

// The service as production runs it: separate OS processes per role over one PostgreSQL and one
// Redis, each with its own connection pool, found by its ready log line.

export type RoleName = 'api' | 'bot' | 'worker';

export const ACTION_SECRET = 'chaos-run-action-secret-0123456789';
export const WEBHOOK_SECRET = 'chaos_webhook_secret_0123456789';
export const WEBHOOK_PATH = '/telegram/webhook';

export interface Member {
  name: string;
  role: RoleName;
  process: ServiceProcess;
  /** The HTTP port (api and bot serve one). */
  port: number;
  /** The Telegram webhook receiver's port (bot). */
  webhookPort?: number;
  pid: number;
}

export interface FleetSettings {
  databaseUrl: string;
  redisUrl: string;
  /** Environment every process shares (job timings, lock timeouts...). */
  env: Record<string, string>;
}

/** What a process logs once it serves (api and bot) or works (worker). */
function isReady(role: RoleName) {
  const pattern = { api: /^admin API ready/, bot: /^telegram: receiving/, worker: /^workers running/ }[role];
  return (line: { msg: string }) => pattern.test(line.msg);
}

export async function startMember(name: string, role: RoleName, settings: FleetSettings, telegramApiRoot: string, databaseUrl = settings.databaseUrl): Promise<Member> {
  const port = await freePort();
  const webhookPort = role === 'bot' ? await freePort() : undefined;
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', name);
  const env = serviceEnv({
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: url.toString(),
    REDIS_URL: settings.redisUrl,
    BOT_ACTION_SECRET: ACTION_SECRET,
    TELEGRAM_BOT_TOKEN: FAKE_TOKEN,
    TELEGRAM_MODE: 'webhook',
    TELEGRAM_WEBHOOK_URL: `https://chaos.example.test${WEBHOOK_PATH}`,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TELEGRAM_WEBHOOK_HOST: '127.0.0.1',
    TELEGRAM_WEBHOOK_PORT: String(webhookPort ?? 0),
    TELEGRAM_API_ROOT: telegramApiRoot,
    ...settings.env,
  });
  const process = startService([...FROM_SOURCE, '--role', role], env);
  await process.logged(isReady(role));
  return { name, role, process, port, ...(webhookPort ? { webhookPort } : {}), pid: process.child.pid! };
}
