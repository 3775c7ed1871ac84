import { fork } from 'node:child_process';
import { once } from 'node:events';
import { blockAction, sendToSlackApp, type SignedRequest } from '../test/fakes/slack-requests.ts';

// Time to acknowledge under 200 concurrent interactions: our adapter (ack first; then dedupe, user
// lookup, the bot and its Slack calls, in the same process) beside a bare Bolt app that only acks.
// Both run in one child process (bench/slack-apps.ts) and get the same signed requests in the same
// run; this process only sends them and times the answers, and the fake Slack Web API the work
// calls runs in a third (bench/slack-fake.ts). Goal: p99 within 1.5x the bare app.

const CONCURRENT = 200;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SECRET = 'bench-signing-secret';
const print = (line = '') => process.stdout.write(`${line}\n`);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** One round: every request sent at once; each one's time from send to the HTTP answer. */
async function round(url: string, requests: SignedRequest[]): Promise<number[]> {
  return Promise.all(
    requests.map(async (request) => {
      const started = performance.now();
      const res = await sendToSlackApp(url, request, { secret: SECRET });
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      return performance.now() - started;
    }),
  );
}

function spawn(script: string) {
  return fork(new URL(script, import.meta.url), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function ask<T>(child: ReturnType<typeof spawn>, msg: unknown): Promise<T> {
  child.send(msg as string);
  const [answer] = (await once(child, 'message')) as [T];
  return answer;
}

export async function runSlackBench(): Promise<void> {
  const apps = spawn('./slack-apps.ts');
  const fakeProcess = spawn('./slack-fake.ts');
  const { users, clicks } = await ask<{ users: string[]; clicks: string[] }>(apps, 'users');
  const fake = await ask<{ apiUrl: string; teamId: string; botId: string; botUserId: string }>(fakeProcess, { users });
  const ready = await ask<{ bare: number; ours: number }>(apps, { ...fake, secret: SECRET });
  const urls = { bare: `http://127.0.0.1:${ready.bare}/slack/events`, ours: `http://127.0.0.1:${ready.ours}/slack/events` };
  const idle = () => ask(apps, 'idle');

  // A fresh action_ts per request and round, so our dedupe lets every one through to the bot.
  const requests = () =>
    users.slice(0, CONCURRENT).map((userId, i) => blockAction({ teamId: fake.teamId, userId }, clicks[i]!, { channel: `D${userId}`, ts: '1700000000.000001' }));
  // Warm both (connections, JIT, the users.info cache) before measuring.
  await round(urls.bare, requests());
  await round(urls.ours, requests());
  await idle();

  const times = { bare: [] as number[], ours: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    times.bare.push(...(await round(urls.bare, requests())));
    times.ours.push(...(await round(urls.ours, requests())));
    // This round's work finishes before the next round, so rounds do not pile up.
    await idle();
  }

  const p = (xs: number[], q: number) => percentile(xs, q).toFixed(1);
  print(`slack: time to acknowledge, ${CONCURRENT} concurrent interactions x ${ROUNDS} rounds (ms)`);
  print(`  bare Bolt app (ack only)          p50 ${p(times.bare, 50)}  p99 ${p(times.bare, 99)}`);
  print(`  coachbot adapter (ack, then work) p50 ${p(times.ours, 50)}  p99 ${p(times.ours, 99)}`);
  print(`  p99 ratio ${(percentile(times.ours, 99) / percentile(times.bare, 99)).toFixed(2)} (goal <= 1.5); Web API calls made by the work: ${await ask(fakeProcess, 'calls')}`);

  await ask(apps, 'stop');
  await ask(fakeProcess, 'stop');
}
