import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { InteractionType } from 'discord-api-types/v10';
import { ANSWER_GOAL, answerMeasurement, ask, compareAnswers, spawn, timeRound } from './answers.ts';
import type { Benchmark, Measurement } from './measure.ts';

// Time to answer under 200 concurrent interactions over HTTP: our adapter's interactions endpoint
// (signature, parse, de-duplication in Redis, then, for these clicks of a button that opens no form,
// the acknowledgement at once and the bot's answer after it as an edit of the clicked message; see
// src/adapters/discord/dispatch.ts) beside a bare handler that checks the signature and answers.
// Both run in one child process (bench/discord-apps.ts) and get the same signed interactions in the
// same run; the fake Discord REST API runs in a third (bench/discord-fake.ts).

const CONCURRENT = 200;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

/** Signed as Discord signs an interaction: Ed25519 over the timestamp followed by the raw body. */
function signed(privateKey: KeyObject, payload: object): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(`${timestamp}${body}`), privateKey).toString('hex');
  return { body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp } };
}

async function discordRun(): Promise<Measurement> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const fakeProcess = spawn(new URL('./discord-fake.ts', import.meta.url));
  const apps = spawn(new URL('./discord-apps.ts', import.meta.url));
  const fake = await ask<{ apiBase: string; applicationId: string }>(fakeProcess, 'start');
  const ready = await ask<{ users: string[]; clicks: string[]; bare: number; ours: number }>(apps, { ...fake, publicKeyHex });

  // A fresh interaction id per request and round, so de-duplication lets every one through to the bot.
  let nextId = 700000000000000000n;
  const round = (port: number) =>
    timeRound(
      ready.users.slice(0, CONCURRENT).map((userId, i) => {
        const id = String(++nextId);
        const channelId = String(500000000000000000n + BigInt(i));
        const request = signed(privateKey, {
          id,
          application_id: fake.applicationId,
          type: InteractionType.MessageComponent,
          token: `bench-${id}`,
          channel_id: channelId,
          user: { id: userId, username: `member${i}` },
          message: { id: String(600000000000000000n + BigInt(i)), channel_id: channelId },
          data: { custom_id: ready.clicks[i]!, component_type: 2 },
        });
        return () => fetch(`http://127.0.0.1:${port}/discord/interactions`, { method: 'POST', ...request }).then(async (res) => (await res.arrayBuffer(), res));
      }),
    );
  const times = await compareAnswers({ bare: () => round(ready.bare), ours: () => round(ready.ours), idle: () => ask(apps, 'idle') }, ROUNDS);
  const measurement = answerMeasurement(
    `discord: time to answer, ${CONCURRENT} concurrent interactions x ${ROUNDS} rounds (ms)`,
    { bare: 'bare handler (signature, answer)', ours: 'coachbot adapter (ack, bot after)' },
    times,
    `REST calls made by the work: ${await ask(fakeProcess, 'calls')}`,
  );
  await ask(apps, 'stop');
  await ask(fakeProcess, 'stop');
  return measurement;
}

export const discordBench: Benchmark = { name: 'discord', target: `p99 ratio <= ${ANSWER_GOAL}`, run: discordRun };
