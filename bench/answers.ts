import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { percentile, type Measurement } from './measure.ts';

// What the chat benchmarks share: the apps under test run in a child process (and the fake platform
// API in another), so the process that sends the requests and times the answers shares its event
// loop with neither; each round sends every request at once to one app, bare and ours in turn.

/** The goal: our p99 time to answer within this multiple of the bare app's. */
export const ANSWER_GOAL = 1.5;

export function spawn(script: URL): ChildProcess {
  return fork(script, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Sends `msg` to a child and resolves with its next message. */
export async function ask<T>(child: ChildProcess, msg: unknown): Promise<T> {
  child.send(msg as string);
  const [answer] = (await once(child, 'message')) as [T];
  return answer;
}

/** One round: every request sent at once; each one's time from send to its HTTP answer. */
export function timeRound(requests: readonly (() => Promise<{ status: number }>)[]): Promise<number[]> {
  return Promise.all(
    requests.map(async (send) => {
      const started = performance.now();
      const res = await send();
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      return performance.now() - started;
    }),
  );
}

export interface Sides {
  /** A round against the bare app, and against ours. */
  bare: () => Promise<number[]>;
  ours: () => Promise<number[]>;
  /** Resolves once our app's work after its answers has finished, so rounds do not pile up. */
  idle: () => Promise<unknown>;
}

/** Warms both sides (connections, JIT, caches), then times `rounds` rounds of each, alternating. */
export async function compareAnswers(sides: Sides, rounds: number): Promise<{ bare: number[]; ours: number[] }> {
  await sides.bare();
  await sides.ours();
  await sides.idle();
  const times = { bare: [] as number[], ours: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    times.bare.push(...(await sides.bare()));
    times.ours.push(...(await sides.ours()));
    await sides.idle();
  }
  return times;
}

export function answerMeasurement(title: string, labels: { bare: string; ours: string }, times: { bare: number[]; ours: number[] }, note: string): Measurement {
  const p50 = { bare: percentile(times.bare, 50), ours: percentile(times.ours, 50) };
  const p99 = { bare: percentile(times.bare, 99), ours: percentile(times.ours, 99) };
  const ratio = p99.ours / p99.bare;
  const ms = (x: number) => Math.round(x * 10) / 10;
  return {
    figures: { p50_ms: ms(p50.ours), p99_ms: ms(p99.ours) },
    baseline: { p50_ms: ms(p50.bare), p99_ms: ms(p99.bare) },
    ratio,
    met: ratio <= ANSWER_GOAL,
    lines: [
      title,
      `  ${labels.bare.padEnd(36)} p50 ${p50.bare.toFixed(1)}  p99 ${p99.bare.toFixed(1)}`,
      `  ${labels.ours.padEnd(36)} p50 ${p50.ours.toFixed(1)}  p99 ${p99.ours.toFixed(1)}`,
      `  p99 ratio ${ratio.toFixed(2)} (goal <= ${ANSWER_GOAL}); ${note}`,
    ],
  };
}
