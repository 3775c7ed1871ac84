import { ANSWER_GOAL, answerMeasurement, ask, compareAnswers, spawn, timeRound } from './answers.ts';
import type { Benchmark, Measurement } from './measure.ts';
import { blockAction, sendToSlackApp } from '../test/fakes/slack-requests.ts';

// Time to acknowledge under 200 concurrent interactions: our adapter (ack first; then dedupe, user
// lookup, the bot and its Slack calls, in the same process) beside a bare Bolt app that only acks.
// Both run in one child process (bench/slack-apps.ts) and get the same signed requests in the same
// run; this process only sends them and times the answers, and the fake Slack Web API the work
// calls runs in a third (bench/slack-fake.ts). Goal: p99 within 1.5x the bare app.

const CONCURRENT = 200;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SECRET = 'bench-signing-secret';

async function slackRun(): Promise<Measurement> {
  const apps = spawn(new URL('./slack-apps.ts', import.meta.url));
  const fakeProcess = spawn(new URL('./slack-fake.ts', import.meta.url));
  const { users, clicks } = await ask<{ users: string[]; clicks: string[] }>(apps, 'users');
  const fake = await ask<{ apiUrl: string; teamId: string; botId: string; botUserId: string }>(fakeProcess, { users });
  const ready = await ask<{ bare: number; ours: number }>(apps, { ...fake, secret: SECRET });

  // A fresh action_ts per request and round, so our dedupe lets every one through to the bot.
  const round = (port: number) =>
    timeRound(
      users.slice(0, CONCURRENT).map((userId, i) => {
        const request = blockAction({ teamId: fake.teamId, userId }, clicks[i]!, { channel: `D${userId}`, ts: '1700000000.000001' });
        return () => sendToSlackApp(`http://127.0.0.1:${port}/slack/events`, request, { secret: SECRET });
      }),
    );
  const times = await compareAnswers({ bare: () => round(ready.bare), ours: () => round(ready.ours), idle: () => ask(apps, 'idle') }, ROUNDS);
  const measurement = answerMeasurement(
    `slack: time to acknowledge, ${CONCURRENT} concurrent interactions x ${ROUNDS} rounds (ms)`,
    { bare: 'bare Bolt app (ack only)', ours: 'coachbot adapter (ack, then work)' },
    times,
    `Web API calls made by the work: ${await ask(fakeProcess, 'calls')}`,
  );
  await ask(apps, 'stop');
  await ask(fakeProcess, 'stop');
  return measurement;
}

export const slackBench: Benchmark = { name: 'slack', target: `p99 ratio <= ${ANSWER_GOAL}`, run: slackRun };
