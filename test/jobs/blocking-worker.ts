import { ManualClock } from '../../src/core/index.ts';
import { createDb } from '../../src/db/client.ts';
import { startWorkers } from '../../src/jobs/index.ts';
import { noticePresenter, silentLogger, testSettings } from './doubles.ts';
import type { ChatPort } from '../../src/bot/port.ts';

// A worker process for the crash test: its ChatPort tells the parent a send has begun, then blocks
// until the parent kills the process with SIGKILL, in the middle of delivering.

const env = JSON.parse(process.env.BLOCKING_WORKER!) as { databaseUrl: string; redisUrl: string; prefix: string; now: number; settings: object };
const db = createDb(env.databaseUrl, { max: 2 });
const blocking: ChatPort = {
  platform: 'web',
  send: (to) => {
    process.send!({ sending: to.platformUserId });
    return new Promise(() => undefined);
  },
  edit: async () => undefined,
};
await startWorkers({
  db,
  clock: new ManualClock(env.now),
  redisUrl: env.redisUrl,
  present: noticePresenter,
  ports: new Map([['web', blocking]]),
  logger: silentLogger,
  settings: testSettings(env.settings),
  prefix: env.prefix,
  schedules: false,
});
process.send!({ ready: true });
