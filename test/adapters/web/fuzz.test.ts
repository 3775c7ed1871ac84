import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/api/index.ts';
import { subjectOfChatUser, subjectOfUser } from '../../../src/bot/context.ts';
import { BOT_COMMANDS } from '../../../src/bot/index.ts';
import { loadConfig } from '../../../src/config.ts';
import { attachChat } from '../../../src/roles.ts';
import { testRedis } from '../../api/harness.ts';
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

// Hostile requests to the web playground over HTTP, on the main server as the bot role mounts it
// outside production (buildApp + attachChat), with the real bot, core and PostgreSQL behind it.
// The playground has no sign-in (it is a development tool), so every request is "signed": none may
// give a 5xx, crash anything, fail a handler, or write beyond the bot's bookkeeping.

const { t, failures, logs, logger } = await fuzzSetup();
const redis = testRedis();
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  PLAYGROUND_REDIS_PREFIX: `coachbot:test:${process.pid}:${randomUUID()}:playground:`,
  API_RATE_LIMIT_KEY_PREFIX: `coachbot:test:${process.pid}:${randomUUID()}:ratelimit:`,
  API_RATE_LIMIT_PER_MINUTE: '1000000',
});
const app = await buildApp({ core: t.core, db: t.db, redis, config, logger });
await attachChat(app, { db: t.db, core: t.core, clock: t.clock, config, redis, logger });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
afterAll(async () => {
  await app.close();
  redis.disconnect();
  failures.stop();
});

const world = await fuzzWorld(t, { platform: 'web', scope: 'local', coachUserId: (id) => `u-${id}`, memberUserId: (id) => `u-${id}` });
const MEMBER = world.member.platformUserId;
const COACH = world.coach.platformUserId;
const GUEST = `g-${randomUUID()}`;
// Opening a chat as a seeded user links it to them, once: done here for every user, so a request
// the fuzzer sends later changes nothing by opening one again.
for (const user of await t.core.chat.localDirectory()) {
  await fetch(`${base}/playground/api/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: user.id }) });
}

function subjectOf(chat: string): string {
  if (chat === MEMBER) return subjectOfUser(world.member.id);
  if (chat === COACH) return subjectOfUser(world.coach.id);
  return subjectOfChatUser({ platform: 'web', scope: 'local', platformUserId: chat });
}

/** Mostly a plausible value, so most requests reach the bot; sometimes a hostile one. */
const mostly = <T>(plausible: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: plausible }, { weight: 1, arbitrary: hostile });
const chatArb = mostly(fc.constantFrom(MEMBER, COACH, GUEST), fc.oneof(hostileTextArb, fc.constantFrom('u-', 'g-x/../../u-1', `u-${'a'.repeat(65)}`, '..%2F..%2Fetc')));
const deliveryArb = mostly(fc.constant(undefined), fc.oneof(hostileTextArb, wrongTypeArb));
const zoneArb = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom('Europe/Berlin', 'America/New_York', 'UTC') }, { weight: 1, arbitrary: fc.oneof(hostileTextArb, wrongTypeArb, fc.constantFrom('Mars/Olympus', 'Etc/GMT+99', '+25:00')) });

type Token = { kind: 'action'; spec: ActionSpec } | { kind: 'text'; text: string };
const tokenArb: fc.Arbitrary<Token> = fc.oneof(
  { weight: 3, arbitrary: actionSpecArb.map((spec) => ({ kind: 'action' as const, spec })) },
  { weight: 1, arbitrary: hostileTextArb.map((text) => ({ kind: 'text' as const, text })) },
);
const tokenText = (token: Token, chat: string) => (token.kind === 'text' ? token.text : actionToken(token.spec, config.BOT_ACTION_SECRET, subjectOf(chat), t.clock.now()));

const commandArb = fc.constantFrom(...BOT_COMMANDS.map((c) => `/${c.name}`), '/signup', '/help');
const inputArb = fc.oneof(
  fc.record({ kind: fc.constant('say' as const), text: fc.oneof(hostileTextArb, fc.tuple(commandArb, fc.option(hostileTextArb, { nil: undefined })).map(([c, a]) => (a === undefined ? c : `${c} ${a}`))) }),
  fc.record({ kind: fc.constant('action' as const), token: tokenArb, messageId: fc.option(fc.oneof(fc.constant('m1'), hostileTextArb), { nil: undefined }) }),
  fc.record({
    kind: fc.constant('submit' as const),
    token: tokenArb,
    values: fc.dictionary(mostly(fc.constantFrom('name', 'goals', 'timezone', 'notes', 'reason'), hostileTextArb), mostly(hostileTextArb, wrongTypeArb), { maxKeys: 4 }),
  }),
);

const requestArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('input' as const),
      chat: chatArb,
      input: inputArb,
      deliveryId: deliveryArb,
      timezone: zoneArb,
      corrupt: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: editsArb }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('open' as const), userId: fc.oneof(fc.constant(world.member.id), fc.uuid(), hostileTextArb, wrongTypeArb, fc.constant(undefined)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('read' as const), chat: chatArb, what: fc.constantFrom('messages', 'events', 'who') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), chat: chatArb, body: malformedJsonArb, contentType: fc.oneof(fc.constant('application/json'), oddContentTypeArb) }) },
  // Over the server's body limit: refused for its size.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: config.API_BODY_LIMIT_BYTES + 1, max: 2 * 1024 * 1024 }) }) },
);
type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

const path = (chat: string) => `/playground/api/chats/${encodeURIComponent(chat.replace(/[\ud800-\udfff]/g, '\ufffd'))}`;

interface Built {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  contentType?: string;
  genuineAction: boolean;
  /** The verb of a form submitted, genuine or not. */
  submitted?: string;
  stream?: boolean;
}

function build(r: FuzzRequest): Built {
  switch (r.kind) {
    case 'input': {
      const { input } = r;
      const fields =
        input.kind === 'say'
          ? { kind: 'say', text: input.text }
          : input.kind === 'action'
            ? { kind: 'action', action: tokenText(input.token, r.chat), ...(input.messageId === undefined ? {} : { messageId: input.messageId }) }
            : { kind: 'submit', action: tokenText(input.token, r.chat), values: input.values };
      const body = { ...fields, deliveryId: r.deliveryId === undefined ? randomUUID() : r.deliveryId, ...(r.timezone === undefined ? {} : { timezone: r.timezone }) };
      const genuineAction = input.kind !== 'say' && input.token.kind === 'action' && isGenuineAction(input.token.spec);
      const submitted = input.kind === 'submit' && input.token.kind === 'action' ? input.token.spec.verb : undefined;
      return { method: 'POST', path: `${path(r.chat)}/inputs`, body: JSON.stringify(r.corrupt ? applyEdits(body, r.corrupt) : body), contentType: 'application/json', genuineAction, submitted };
    }
    case 'open':
      return { method: 'POST', path: '/playground/api/chats', body: JSON.stringify(r.userId === undefined ? {} : { userId: r.userId }), contentType: 'application/json', genuineAction: false };
    case 'read':
      return { method: 'GET', path: r.what === 'who' ? path(r.chat) : `${path(r.chat)}/${r.what}`, genuineAction: false, stream: r.what === 'events' };
    case 'raw':
      return { method: 'POST', path: `${path(r.chat)}/inputs`, body: r.body, contentType: r.contentType, genuineAction: false };
    case 'huge':
      return { method: 'POST', path: `${path(MEMBER)}/inputs`, body: JSON.stringify({ kind: 'say', deliveryId: randomUUID(), text: 'x'.repeat(r.size) }), contentType: 'application/json', genuineAction: false };
  }
}

/** Sends a request; an event stream is read up to its first comment (it is open), then closed. */
async function send(b: Built): Promise<{ status: number; body: string }> {
  const abort = new AbortController();
  const headers: Record<string, string> = b.contentType ? { 'content-type': b.contentType } : {};
  const res = await Promise.race([fetch(`${base}${b.path}`, { method: b.method, headers, ...(b.body === undefined ? {} : { body: b.body }), signal: abort.signal }), failures.crashed]);
  if (b.stream && res.status === 200) {
    const reader = res.body!.getReader();
    const first = await reader.read();
    abort.abort();
    return { status: res.status, body: new TextDecoder().decode(first.value) };
  }
  return { status: res.status, body: await res.text() };
}

/** Sends a request and checks what the playground must do with any: no 5xx, no failure logged, no write but bookkeeping. */
async function answersSafely(b: Built): Promise<{ status: number; body: string }> {
  const allowed = bookkeepingTables(b.genuineAction, b.submitted);
  const before = await fingerprintWithout(t.db, allowed);
  const errorsBefore = logs.errors().length;
  const res = await send(b);
  const label = `${res.status} ${res.body.slice(0, 200)} <- ${b.method} ${b.path} ${b.body?.slice(0, 300) ?? ''}`;
  expect(res.status, label).toBeLessThan(500);
  expect(logs.errors().slice(errorsBefore), label).toEqual([]);
  expect(await fingerprintWithout(t.db, allowed), label).toEqual(before);
  expect(await unansweredDeliveries(t.db), label).toBe(0);
  // What this input left open (a form, a search) is closed, so a later hostile text is not taken as its answer.
  await t.db.chatState.deleteMany();
  return res;
}

describe('fuzzing the web playground', () => {
  it('answers every hostile request without a 5xx, a crash or a failed handler, and writes only bookkeeping', async () => {
    const handledBefore = await t.db.chatDelivery.count();
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const res = await answersSafely(build(r));
        if (r.kind === 'huge') expect(res.status).toBe(413);
      }),
      { numRuns: FUZZ_RUNS * 2 },
    );
    // Hostile, not hopeless: a good share of the inputs got past the parsers to the bot.
    // The count is random (Discord's is 40-45 of 200 requests): a sixth of FUZZ_RUNS is far enough
    // below it never to fail by chance, and far above the zero of parsers that refuse everything.
    expect(await t.db.chatDelivery.count()).toBeGreaterThan(handledBefore + FUZZ_RUNS / 6);
    expect(failures.failures).toEqual([]);
    // Still up: the health check answers, and so does the bot.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const help = await send({ method: 'POST', path: `${path(GUEST)}/inputs`, body: JSON.stringify({ kind: 'say', text: '/help', deliveryId: randomUUID() }), contentType: 'application/json', genuineAction: false });
    expect(help.status).toBe(200);
    expect(JSON.parse((await send({ method: 'GET', path: `${path(GUEST)}/messages`, genuineAction: false })).body).at(-1).summary).toMatch(/Welcome|Hello/);
  });
});

describe('what fuzzing the web playground found', () => {
  it('a delivery id with a NUL reached the delivery claim and failed in PostgreSQL: it is refused with 400 naming the field', async () => {
    const res = await answersSafely({ method: 'POST', path: `${path(MEMBER)}/inputs`, body: JSON.stringify({ kind: 'say', text: '/start', deliveryId: '\u0000' }), contentType: 'application/json', genuineAction: false });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/deliveryId/);
  });
});
