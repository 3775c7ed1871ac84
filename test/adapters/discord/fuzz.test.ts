import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiscordAdapter } from '../../../src/adapters/discord/index.ts';
import { buildApp } from '../../../src/api/index.ts';
import { subjectOfChatUser, subjectOfUser } from '../../../src/bot/context.ts';
import { BOT_COMMANDS, createBot, type Bot, type ChatPort, type Platform } from '../../../src/bot/index.ts';
import { databaseFingerprint, TEST_API_CONFIG, testRedis, uniqueRateLimitPrefix } from '../../api/harness.ts';
import { fakeDiscordSettings } from './harness.ts';
import { FakeDiscord } from '../../fakes/discord.ts';
import { bookkeepingTables, fingerprintWithout, fuzzSetup, fuzzWorld, unansweredDeliveries } from '../../helpers/fuzz-world.ts';
import {
  actionSpecArb,
  actionToken,
  applyEdits,
  editsArb,
  FUZZ_RUNS,
  hostileTextArb,
  isGenuineAction,
  malformedJsonArb,
  oddContentTypeArb,
  wrongTypeArb,
  type ActionSpec,
} from '../../helpers/hostile.ts';

// Hostile requests to the real Discord HTTP interactions endpoint, mounted on the main Fastify
// server as the bot role mounts it, with the real bot, core and PostgreSQL behind it and the fake
// Discord answering REST. Without a valid Ed25519 signature of a fresh timestamp nothing is read;
// with one, no body gives a 5xx, a crash, a failed handler or a write beyond the bot's bookkeeping.

const ACTION_SECRET = 'discord-fuzz-action-secret';
const { t, failures, logs, logger } = await fuzzSetup();
const fake = await new FakeDiscord().start();
const redis = testRedis();
const ports: Partial<Record<Platform, ChatPort>> = {};
const bot: Bot = createBot({ core: t.core, clock: t.clock, actionSecret: ACTION_SECRET, ports, logger });
const adapter = createDiscordAdapter({
  settings: fakeDiscordSettings(fake),
  bot,
  redis,
  logger,
  commands: BOT_COMMANDS,
});
ports.discord = adapter.port;
const app = await buildApp({ core: t.core, db: t.db, redis, config: { ...TEST_API_CONFIG, API_RATE_LIMIT_KEY_PREFIX: uniqueRateLimitPrefix() }, logger });
await adapter.start(app);
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const url = `${base}/discord/interactions`;
afterAll(async () => {
  await app.close();
  await adapter.stop();
  await fake.stop();
  redis.disconnect();
  failures.stop();
});

const APP = fake.applicationId;
const MEMBER = '200000000000000001';
const COACH = '200000000000000002';
const STRANGER = '200000000000000003';
const world = await fuzzWorld(t, { platform: 'discord', scope: APP, coachUserId: COACH, memberUserId: MEMBER });

let nextId = 900_000_000_000_000_000n;
const freshId = () => String(++nextId);

function subjectOf(userId: unknown): string {
  if (userId === MEMBER) return subjectOfUser(world.member.id);
  if (userId === COACH) return subjectOfUser(world.coach.id);
  return subjectOfChatUser({ platform: 'discord', scope: APP, platformUserId: String(userId) });
}

/** Mostly a plausible value, so most requests reach the bot; sometimes a hostile one. */
const mostly = <T>(plausible: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: plausible }, { weight: 1, arbitrary: hostile });
const userArb = mostly(fc.constantFrom(MEMBER, COACH, STRANGER), fc.oneof(fc.constant('299999999999999999'), hostileTextArb));
const snowflakeArb = mostly(fc.constant('300000000000000001'), fc.oneof(hostileTextArb, fc.constant('1'.repeat(26))));

type Token = { kind: 'action'; spec: ActionSpec } | { kind: 'text'; text: string };
const tokenArb: fc.Arbitrary<Token> = fc.oneof(
  { weight: 3, arbitrary: actionSpecArb.map((spec) => ({ kind: 'action' as const, spec })) },
  { weight: 1, arbitrary: hostileTextArb.map((text) => ({ kind: 'text' as const, text })) },
);
const tokenText = (token: Token, userId: unknown) => (token.kind === 'text' ? token.text : actionToken(token.spec, ACTION_SECRET, subjectOf(userId), t.clock.now()));

/** The data of an interaction of each type the bot takes, before the button tokens are signed for the sender. */
const dataArb = fc.oneof(
  fc.record({
    kind: fc.constant('command' as const),
    type: fc.constant(2),
    name: mostly(fc.constantFrom(...BOT_COMMANDS.map((c) => c.name), 'signup', 'help'), hostileTextArb),
    options: fc.option(fc.array(fc.record({ name: mostly(fc.constant('text'), hostileTextArb), type: fc.constant(3), value: mostly(hostileTextArb, wrongTypeArb) }), { maxLength: 3 }), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('component' as const), type: fc.constant(3), token: tokenArb, select: fc.boolean(), onMessage: fc.boolean() }),
  fc.record({
    kind: fc.constant('modal' as const),
    type: fc.constant(5),
    token: tokenArb,
    values: fc.dictionary(mostly(fc.constantFrom('name', 'goals', 'timezone', 'notes', 'reason'), hostileTextArb), mostly(hostileTextArb, wrongTypeArb), { maxKeys: 4 }),
  }),
  // Ping, autocomplete, and types Discord does not have.
  fc.record({ kind: fc.constant('other' as const), type: fc.oneof(fc.constantFrom<unknown>(1, 4, 0, 6, 99, -1, 1.5), wrongTypeArb) }),
);

const interactionArb = fc.record({
  data: dataArb,
  user: userArb,
  inGuild: mostly(fc.constant(false), fc.constant(true)),
  channel: snowflakeArb,
  application: mostly(fc.constant(APP), fc.oneof(hostileTextArb, fc.constant('100000000000000009'))),
  token: mostly(fc.constant(undefined), hostileTextArb),
  corrupt: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: editsArb }),
});
type FuzzInteraction = typeof interactionArb extends fc.Arbitrary<infer T> ? T : never;

function interaction(i: FuzzInteraction): { payload: unknown; genuineAction: boolean; submitted?: string } {
  const id = freshId();
  const who = { id: i.user, username: 'fuzz', global_name: null };
  const d = i.data;
  let data: unknown;
  let genuineAction = false;
  let submitted: string | undefined;
  let message: unknown;
  if (d.kind === 'command') data = { id: '400000000000000001', name: d.name, type: 1, ...(d.options ? { options: d.options } : {}) };
  else if (d.kind === 'component') {
    const token = tokenText(d.token, i.user);
    genuineAction = d.token.kind === 'action' && isGenuineAction(d.token.spec);
    data = d.select ? { custom_id: 'pick', component_type: 3, values: [token] } : { custom_id: token, component_type: 2 };
    if (d.onMessage) message = { id: '500000000000000001', channel_id: i.channel };
  } else if (d.kind === 'modal') {
    genuineAction = d.token.kind === 'action' && isGenuineAction(d.token.spec);
    if (d.token.kind === 'action') submitted = d.token.spec.verb;
    data = { custom_id: tokenText(d.token, i.user), components: Object.entries(d.values).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] })) };
  }
  const payload = {
    id,
    application_id: i.application,
    type: d.type,
    token: i.token ?? `tok-${id}`,
    version: 1,
    channel_id: i.channel,
    ...(i.inGuild ? { guild_id: '600000000000000001', member: { user: who, roles: [] } } : { user: who }),
    ...(message ? { message } : {}),
    ...(data === undefined ? {} : { data }),
  };
  return { payload: i.corrupt ? applyEdits(payload, i.corrupt) : payload, genuineAction, submitted };
}

const requestArb = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('interaction' as const), i: interactionArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), body: fc.oneof(malformedJsonArb, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('odd-type' as const), contentType: oddContentTypeArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 200 }) }) },
  // Over the endpoint's 64 KiB: refused for its size.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 64 * 1024 + 1, max: 2 * 1024 * 1024 }) }) },
);
type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  body: string | Uint8Array;
  contentType: string;
  genuineAction: boolean;
  /** The verb of a form submitted, genuine or not. */
  submitted?: string;
}

const ping = () => JSON.stringify({ id: freshId(), application_id: APP, type: 1, token: 'tok', version: 1 });

function build(r: FuzzRequest): Built {
  switch (r.kind) {
    case 'interaction': {
      const { payload, genuineAction, submitted } = interaction(r.i);
      return { body: JSON.stringify(payload), contentType: 'application/json', genuineAction, submitted };
    }
    case 'json':
      return { body: r.body, contentType: 'application/json', genuineAction: false };
    case 'odd-type':
      return { body: ping(), contentType: r.contentType, genuineAction: false };
    case 'bytes':
      return { body: r.bytes, contentType: 'application/json', genuineAction: false };
    case 'huge':
      return { body: JSON.stringify({ id: freshId(), application_id: APP, type: 2, token: 'tok', data: { name: 'help', options: [{ name: 'text', value: 'x'.repeat(r.size) }] }, user: { id: MEMBER, username: 'u' } }), contentType: 'application/json', genuineAction: false };
  }
}

const otherKey = generateKeyPairSync('ed25519').privateKey;
type Signing =
  | { kind: 'good' }
  | { kind: 'none' }
  | { kind: 'other-key' }
  | { kind: 'skewed'; seconds: number }
  | { kind: 'garbage-ts'; ts: string }
  | { kind: 'garbage-sig'; sig: string }
  | { kind: 'other-body' };

async function post(b: Built, signing: Signing): Promise<{ status: number; body: string }> {
  const bytes = typeof b.body === 'string' ? Buffer.from(b.body) : Buffer.from(b.body);
  const now = Math.floor(Date.now() / 1000);
  const ts = String(signing.kind === 'skewed' ? now + signing.seconds : now);
  const signed = (key = fake.keys.privateKey, body = bytes) => sign(null, Buffer.concat([Buffer.from(ts), body]), key).toString('hex');
  const headers: Record<string, string> = b.contentType ? { 'content-type': b.contentType } : {};
  if (signing.kind !== 'none') {
    headers['x-signature-timestamp'] = signing.kind === 'garbage-ts' ? signing.ts : ts;
    headers['x-signature-ed25519'] =
      signing.kind === 'other-key' ? signed(otherKey) : signing.kind === 'garbage-sig' ? signing.sig : signing.kind === 'other-body' ? signed(undefined, Buffer.concat([bytes, Buffer.from(' ')])) : signed();
  }
  const res = await Promise.race([fetch(url, { method: 'POST', headers, body: bytes }), failures.crashed]);
  return { status: res.status, body: await res.text() };
}

const badSigningArb: fc.Arbitrary<Signing> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'other-key' as const }),
  fc.constant({ kind: 'other-body' as const }),
  fc.oneof(fc.integer({ min: 301, max: 10 ** 9 }), fc.integer({ min: -(10 ** 9), max: -301 })).map((seconds) => ({ kind: 'skewed' as const, seconds })),
  fc.oneof(fc.constantFrom('', '-1', '1e10', '0x10', 'NaN', '99999999999999999999'), fc.stringMatching(/^[\x21-\x7e]{1,20}$/)).map((ts) => ({ kind: 'garbage-ts' as const, ts })),
  fc.oneof(fc.constantFrom('', '0'.repeat(128), 'f'.repeat(127), 'g'.repeat(128)), fc.stringMatching(/^[0-9a-f]{0,130}$/), fc.stringMatching(/^[\x21-\x7e]{1,140}$/)).map((sig) => ({ kind: 'garbage-sig' as const, sig })),
);

/** Sends a correctly signed request and checks what the endpoint must do with any body. */
async function answersSafely(b: Built): Promise<{ status: number; body: string }> {
  const allowed = bookkeepingTables(b.genuineAction, b.submitted);
  const before = await fingerprintWithout(t.db, allowed);
  const errorsBefore = logs.errors().length;
  const res = await post(b, { kind: 'good' });
  await adapter.idle();
  const sent = typeof b.body === 'string' ? b.body.slice(0, 300) : `${b.body.length} bytes`;
  const label = `${res.status} ${res.body.slice(0, 200)} <- ${b.contentType} ${sent}`;
  expect(res.status, label).toBeLessThan(500);
  expect(logs.errors().slice(errorsBefore), label).toEqual([]);
  expect(await fingerprintWithout(t.db, allowed), label).toEqual(before);
  expect(await unansweredDeliveries(t.db), label).toBe(0);
  // What this input left open (a form, a search) is closed, so a later hostile input is not taken as its answer.
  await t.db.chatState.deleteMany();
  return res;
}

/** The server still answers its health check, and the endpoint a signed ping with a pong. */
async function stillAnswers(): Promise<void> {
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  const res = await post({ body: ping(), contentType: 'application/json', genuineAction: false }, { kind: 'good' });
  expect(res).toMatchObject({ status: 200 });
  expect(JSON.parse(res.body)).toEqual({ type: 1 });
}

describe('fuzzing the Discord interactions endpoint', () => {
  it('refuses every unsigned, forged, tampered or stale request with 401, and nothing is handled or written', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, badSigningArb, async (r, signing) => {
        const b = build(r);
        const before = await databaseFingerprint(t.db);
        const calls = fake.calls.length;
        const res = await post(b, signing);
        await adapter.idle();
        // A body over the limit, or of a content type the server does not read, is refused before
        // its signature is looked at (413, 415); either way it is never read.
        const expected = Buffer.byteLength(b.body) > 64 * 1024 ? 413 : res.status === 415 && r.kind === 'odd-type' ? 415 : 401;
        expect(res.status, `${JSON.stringify(signing)} -> ${res.status} ${res.body}`).toBe(expected);
        expect(fake.calls.length).toBe(calls);
        expect(await databaseFingerprint(t.db)).toEqual(before);
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(failures.failures).toEqual([]);
    await stillAnswers();
  });

  it('answers every hostile body that is correctly signed without a 5xx, a crash or a failed handler, and writes only bookkeeping', async () => {
    const handledBefore = await t.db.chatDelivery.count();
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => void (await answersSafely(build(r)))),
      { numRuns: FUZZ_RUNS * 2 },
    );
    // Hostile, not hopeless: a good share of the interactions got past the parsers to the bot.
    // The count is random (Discord's is 40-45 of 200 requests): a sixth of FUZZ_RUNS is far enough
    // below it never to fail by chance, and far above the zero of parsers that refuse everything.
    expect(await t.db.chatDelivery.count()).toBeGreaterThan(handledBefore + FUZZ_RUNS / 6);
    expect(failures.failures).toEqual([]);
    await stillAnswers();
  });
});

describe('what fuzzing the Discord endpoint found', () => {
  it('an interaction token with a lone surrogate made building the follow-up URL throw after the answer: the token is refused at the edge', async () => {
    const payload = { id: freshId(), application_id: APP, type: 2, token: '\udbff', version: 1, channel_id: '300000000000000001', user: { id: MEMBER, username: 'fuzz' }, data: { name: 'help' } };
    const res = await answersSafely({ body: JSON.stringify(payload), contentType: 'application/json', genuineAction: false });
    expect(res.status).toBe(200);
    expect(res.body).toContain('not understood');
  });
});
