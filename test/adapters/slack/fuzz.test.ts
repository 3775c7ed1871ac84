import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createBot, type Bot, BOT_COMMANDS } from '../../../src/bot/index.ts';
import { subjectOfChatUser, subjectOfUser } from '../../../src/bot/context.ts';
import { createInstallationRecords } from '../../../src/core/chat/installations.ts';
import { databaseFingerprint } from '../../api/harness.ts';
import { FakeSlack } from '../../fakes/slack.ts';
import { sign } from '../../fakes/slack-requests.ts';
import { bookkeepingTables, fingerprintWithout, fuzzSetup, fuzzWorld, unansweredDeliveries } from '../../helpers/fuzz-world.ts';
import {
  actionSpecArb,
  actionToken,
  applyEdits,
  corruptedArb,
  editsArb,
  FUZZ_RUNS,
  hostileTextArb,
  isGenuineAction,
  malformedJsonArb,
  oddContentTypeArb,
  wrongTypeArb,
  type ActionSpec,
} from '../../helpers/hostile.ts';
import { SIGNING_SECRET, startSlackApp } from './harness.ts';

// Hostile requests to the real Slack receiver (our front server, then Bolt's HTTPReceiver) over
// HTTP, with the real bot, core and PostgreSQL behind it, and the OAuth install routes of a
// multi-workspace app. An unsigned, forged or stale request is refused with nothing read; a
// correctly signed one never gets a 5xx or crashes anything, and writes only the bot's bookkeeping.

const ACTION_SECRET = 'slack-fuzz-action-secret';
const { t, failures, logs, logger } = await fuzzSetup();
const responses: string[] = [];
const fake = await new FakeSlack().start();
const h = await startSlackApp(
  { handle: (inbound) => bot.handle(inbound) },
  { logger, postResponse: async (url) => void responses.push(url) },
  fake,
);
const bot: Bot = createBot({ core: t.core, clock: t.clock, actionSecret: ACTION_SECRET, ports: { slack: h.adapter.port }, logger });
const team = fake.teamId;
const MEMBER = 'U0MEMBER01';
const COACH = 'U0COACH001';
const STRANGER = 'U0STRANGER';
for (const id of [MEMBER, COACH, STRANGER]) fake.addUser({ id, tz: 'Europe/Berlin', name: id });
const world = await fuzzWorld(t, { platform: 'slack', scope: team, coachUserId: COACH, memberUserId: MEMBER });

// A multi-workspace app in front of the same database, for its OAuth install and redirect routes.
const oauthFake = await new FakeSlack({ teamId: 'T0OAUTH' }).start();
const oauth = await startSlackApp(
  { handle: async () => [] },
  {
    logger,
    settings: {
      signingSecret: SIGNING_SECRET,
      oauth: { clientId: '111.222', clientSecret: 'client-secret', stateSecret: 'state-secret-of-enough-length', scopes: ['commands', 'chat:write'] },
      host: '127.0.0.1',
      port: 0,
    },
    installations: createInstallationRecords(t.db, 'slack'),
  },
  oauthFake,
);
afterAll(async () => {
  await oauth.close();
  await oauthFake.stop();
  await h.close();
  await fake.stop();
  failures.stop();
});

let seq = 0;
const fresh = (prefix: string) => `${prefix}${Date.now()}.${String(++seq).padStart(6, '0')}`;

function subjectOf(userId: string): string {
  if (userId === MEMBER) return subjectOfUser(world.member.id);
  if (userId === COACH) return subjectOfUser(world.coach.id);
  return subjectOfChatUser({ platform: 'slack', scope: team, platformUserId: userId });
}

// Known people mostly (the fake Slack knows them, so answers can be delivered); sometimes an id
// nobody has, or hostile text where an id belongs.
/** Mostly a plausible value, so most requests reach the bot; sometimes a hostile one. */
const mostly = <T>(plausible: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: plausible }, { weight: 1, arbitrary: hostile });
const userArb = mostly(fc.constantFrom(MEMBER, COACH, STRANGER), fc.oneof(fc.constant('U0NOBODY00'), hostileTextArb));
const teamArb = mostly(fc.constant(team), hostileTextArb);
const channelArb = mostly(fc.constant('D0DIRECT'), hostileTextArb);

/** A button's value: a token the bot signed (or a forgery of one), or any text. */
type Token = { kind: 'action'; spec: ActionSpec } | { kind: 'text'; text: string };
const tokenArb: fc.Arbitrary<Token> = fc.oneof(
  { weight: 3, arbitrary: actionSpecArb.map((spec) => ({ kind: 'action' as const, spec })) },
  { weight: 1, arbitrary: hostileTextArb.map((text) => ({ kind: 'text' as const, text })) },
);
const tokenText = (token: Token, userId: unknown) =>
  token.kind === 'text' ? token.text : actionToken(token.spec, ACTION_SECRET, subjectOf(String(userId)), t.clock.now());

const commandNameArb = mostly(fc.constantFrom(...BOT_COMMANDS.map((c) => `/${c.name}`), '/signup', '/help'), hostileTextArb.map((s) => `/${s}`));

const commandArb = fc.record({
  command: commandNameArb,
  text: fc.oneof(hostileTextArb, fc.constant('')),
  user_id: userArb,
  team_id: teamArb,
  channel_id: channelArb,
  response_url: fc.option(mostly(fc.constant('https://hooks.slack.com/commands/T0/1/x'), hostileTextArb), { nil: undefined }),
  /** Extra copies of a field: the form parser then hands the receiver an array. */
  duplicate: mostly(fc.constant(undefined), fc.constantFrom('text', 'user_id', 'command', 'team_id', 'trigger_id')),
});

const actionArb = fc.record({
  user: userArb,
  team: teamArb,
  token: tokenArb,
  select: fc.boolean(),
  where: fc.oneof(fc.constant('home' as const), fc.record({ channel: channelArb, ts: mostly(fc.constant('1700000000.000100'), hostileTextArb) })),
  corrupt: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: editsArb }),
});

const submissionArb = fc.record({
  user: userArb,
  team: teamArb,
  token: tokenArb,
  values: fc.dictionary(fc.oneof(fc.constantFrom('name', 'goals', 'timezone', 'notes', 'reason', 'rating'), hostileTextArb), fc.oneof(hostileTextArb, fc.constant(null)), { maxKeys: 4 }),
  metadata: fc.option(fc.oneof(hostileTextArb, malformedJsonArb, fc.constant('{"channel":{"x":1}}')), { nil: undefined }),
  corrupt: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: editsArb }),
});

const eventArb = fc.record({
  team: teamArb,
  event: fc.oneof(
    fc.record({ type: fc.constant('message'), channel_type: fc.constant('im'), user: userArb, channel: fc.constant('D0DIRECT'), text: hostileTextArb }),
    fc.record({ type: fc.constant('app_home_opened'), user: userArb, tab: fc.constantFrom('home', 'messages', undefined), channel: fc.constant('D0DIRECT') }),
    fc.record({ type: fc.oneof(fc.constantFrom('reaction_added', 'app_mention', 'member_joined_channel', 'tokens_revoked', 'app_uninstalled'), hostileTextArb), user: userArb }),
  ),
  retry: fc.option(fc.oneof(fc.constantFrom('1', '2', '3'), fc.stringMatching(/^[\x21-\x7e]{0,10}$/)), { nil: undefined }),
  corrupt: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: editsArb }),
});

/** Interactivity the bot does not use (shortcuts, option lookups, closed modals, legacy kinds): acknowledged or refused, never left waiting. */
const otherInteractiveArb = fc.record({
  type: fc.oneof(fc.constantFrom('shortcut', 'message_action', 'block_suggestion', 'view_closed', 'dialog_submission', 'interactive_message', 'workflow_step_edit'), hostileTextArb),
  callback_id: fc.option(fc.oneof(fc.constant('cb'), hostileTextArb), { nil: undefined }),
  action_id: fc.option(fc.constant('a0'), { nil: undefined }),
  value: fc.option(hostileTextArb, { nil: undefined }),
  name: fc.option(fc.constant('field'), { nil: undefined }),
  user: fc.record({ id: userArb, team_id: teamArb }),
  team: fc.record({ id: teamArb }),
  view: fc.option(fc.record({ id: fc.constant('V1'), callback_id: fc.oneof(fc.constant('cb'), hostileTextArb), type: fc.constant('modal') }), { nil: undefined }),
});

const form = (fields: Record<string, unknown>) => new URLSearchParams(Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
const interactivity = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const FORM = 'application/x-www-form-urlencoded';

/** What one request carries: a delivery of each kind Slack sends (plausible, hostile, corrupted) or a raw body. */
const requestArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('command' as const), c: commandArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('action' as const), a: actionArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('submission' as const), s: submissionArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('event' as const), e: eventArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('interactive' as const), payload: corruptedArb(otherInteractiveArb) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('interactive' as const), payload: otherInteractiveArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('challenge' as const), challenge: fc.oneof(hostileTextArb, wrongTypeArb) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), body: fc.oneof(malformedJsonArb, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('form' as const),
      body: fc.oneof(
        malformedJsonArb.map((p) => `payload=${encodeURIComponent(p)}`),
        fc.constantFrom('payload=%E0%A4%A', '%%%', 'payload', 'payload=&payload=', '=', '&&&', 'command=/help&text=%ZZ'),
        fc.string({ unit: 'binary', maxLength: 80 }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('odd-type' as const), body: fc.constant(''), contentType: oddContentTypeArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 200 }), contentType: fc.constantFrom(FORM, 'application/json') }) },
  // Over Bolt's 4 MiB limit: refused for its size.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), size: fc.integer({ min: 4 * 1024 * 1024 + 1, max: 5 * 1024 * 1024 }) }) },
);
type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  body: string | Uint8Array;
  contentType: string;
  headers?: Record<string, string>;
  /** A genuine button (our secret, the sender's subject): it may open a form or keep a screen current. */
  genuineAction: boolean;
  /** The verb of a form submitted, genuine or not. */
  submitted?: string;
}

function build(r: FuzzRequest): Built {
  const genuine = (token: Token) => token.kind === 'action' && isGenuineAction(token.spec);
  switch (r.kind) {
    case 'command': {
      const { duplicate, ...c } = r.c;
      let body = form({ token: 'legacy', team_domain: 'test', channel_name: 'directmessage', user_name: 'x', api_app_id: 'A0000TEST', trigger_id: fresh('tr'), ...c });
      if (duplicate) body += `&${duplicate}=${encodeURIComponent('again')}`;
      return { body, contentType: FORM, genuineAction: false };
    }
    case 'action': {
      const { a } = r;
      const value = tokenText(a.token, a.user);
      const action = a.select
        ? { type: 'static_select', action_id: 'a0', block_id: 'b', selected_option: { text: { type: 'plain_text', text: 'x' }, value }, action_ts: fresh('') }
        : { type: 'button', action_id: 'a0', block_id: 'b', text: { type: 'plain_text', text: 'x' }, value, action_ts: fresh('') };
      const container = a.where === 'home' ? { type: 'view', view_id: 'VHOME' } : { type: 'message', message_ts: a.where.ts, channel_id: a.where.channel, is_ephemeral: false };
      const payload = {
        type: 'block_actions',
        user: { id: a.user, username: 'x', team_id: a.team },
        api_app_id: 'A0000TEST',
        token: 'legacy',
        container,
        trigger_id: fresh('tr'),
        team: { id: a.team, domain: 'test' },
        ...(a.where === 'home' ? { view: { id: 'VHOME', type: 'home' } } : { channel: { id: a.where.channel, name: 'directmessage' }, message: { ts: a.where.ts } }),
        actions: [action],
      };
      return { body: interactivity(a.corrupt ? applyEdits(payload, a.corrupt) : payload), contentType: FORM, genuineAction: genuine(a.token) };
    }
    case 'submission': {
      const { s } = r;
      const state: Record<string, Record<string, { type: string; value: unknown }>> = {};
      for (const [id, value] of Object.entries(s.values)) state[id] = { value: { type: 'plain_text_input', value } };
      const payload = {
        type: 'view_submission',
        team: { id: s.team, domain: 'test' },
        user: { id: s.user, team_id: s.team },
        api_app_id: 'A0000TEST',
        trigger_id: fresh('tr'),
        view: { id: fresh('V'), type: 'modal', callback_id: tokenText(s.token, s.user), private_metadata: s.metadata, hash: 'h', state: { values: state } },
      };
      const submitted = s.token.kind === 'action' ? s.token.spec.verb : undefined;
      return { body: interactivity(s.corrupt ? applyEdits(payload, s.corrupt) : payload), contentType: FORM, genuineAction: genuine(s.token), submitted };
    }
    case 'event': {
      const { e } = r;
      const envelope = {
        token: 'legacy',
        team_id: e.team,
        api_app_id: 'A0000TEST',
        type: 'event_callback',
        event_id: fresh('Ev'),
        event_time: 1_900_000_000,
        event: { ...e.event, ts: fresh('') },
      };
      return {
        body: JSON.stringify(e.corrupt ? applyEdits(envelope, e.corrupt) : envelope),
        contentType: 'application/json',
        ...(e.retry === undefined ? {} : { headers: { 'x-slack-retry-num': e.retry, 'x-slack-retry-reason': 'http_timeout' } }),
        genuineAction: false,
      };
    }
    case 'interactive':
      return { body: interactivity(r.payload), contentType: FORM, genuineAction: false };
    case 'challenge':
      return { body: JSON.stringify({ token: 'legacy', type: 'url_verification', challenge: r.challenge }), contentType: 'application/json', genuineAction: false };
    case 'json':
      return { body: r.body, contentType: 'application/json', genuineAction: false };
    case 'form':
      return { body: r.body, contentType: FORM, genuineAction: false };
    case 'odd-type':
      return { body: form({ command: '/help', text: '', user_id: MEMBER, team_id: team, channel_id: 'D0DIRECT', trigger_id: fresh('tr') }), contentType: r.contentType, genuineAction: false };
    case 'bytes':
      return { body: r.bytes, contentType: r.contentType, genuineAction: false };
    case 'huge':
      return { body: form({ command: '/help', text: 'x'.repeat(r.size), user_id: MEMBER, team_id: team, channel_id: 'D0DIRECT', trigger_id: fresh('tr') }), contentType: FORM, genuineAction: false };
  }
}

type Signing = { kind: 'good' } | { kind: 'none' } | { kind: 'forged'; secret: string } | { kind: 'skewed'; seconds: number } | { kind: 'garbage-ts'; ts: string } | { kind: 'garbage-sig'; sig: string } | { kind: 'other-body' };

async function post(b: Built, signing: Signing, url = h.url): Promise<{ status: number; body: string }> {
  const text = typeof b.body === 'string' ? b.body : Buffer.from(b.body).toString();
  const now = Math.floor(Date.now() / 1000);
  const ts = signing.kind === 'skewed' ? now + signing.seconds : now;
  const headers: Record<string, string> = { ...(b.contentType ? { 'content-type': b.contentType } : {}), ...b.headers };
  if (signing.kind !== 'none') {
    headers['x-slack-request-timestamp'] = signing.kind === 'garbage-ts' ? signing.ts : String(ts);
    headers['x-slack-signature'] =
      signing.kind === 'forged'
        ? sign(signing.secret, ts, text)
        : signing.kind === 'garbage-sig'
          ? signing.sig
          : signing.kind === 'other-body'
            ? sign(SIGNING_SECRET, ts, `${text} `)
            : sign(SIGNING_SECRET, ts, text);
  }
  const res = await Promise.race([fetch(url, { method: 'POST', headers, body: b.body }), failures.crashed]);
  return { status: res.status, body: await res.text() };
}

const badSigningArb: fc.Arbitrary<Signing> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.oneof(fc.constantFrom('', `${SIGNING_SECRET}x`, SIGNING_SECRET.slice(0, -1), SIGNING_SECRET.toUpperCase()), fc.string({ minLength: 1, maxLength: 40 })).map((secret) => ({ kind: 'forged' as const, secret })),
  // Further than five minutes either way (a replay, or a clock that runs ahead).
  fc.oneof(fc.integer({ min: 301, max: 10 ** 9 }), fc.integer({ min: -(10 ** 9), max: -301 })).map((seconds) => ({ kind: 'skewed' as const, seconds })),
  fc.oneof(fc.constantFrom('', '-1', '1e10', '0x10', 'NaN', ' 1', '99999999999999999999'), fc.stringMatching(/^[\x21-\x7e]{1,20}$/)).map((ts) => ({ kind: 'garbage-ts' as const, ts })),
  fc.oneof(fc.constantFrom('', 'v0=', 'v1=00', 'v0=zz'), fc.stringMatching(/^[0-9a-f]{0,64}$/).map((x) => `v0=${x}`), fc.stringMatching(/^[\x21-\x7e]{1,80}$/)).map((sig) => ({ kind: 'garbage-sig' as const, sig })),
  fc.constant({ kind: 'other-body' as const }),
);

/**
 * Errors the adapter logs that are not failures of ours: Slack (the fake) refusing an answer to a
 * user or channel it does not know. Real Slack only signs requests from ids it knows; the fuzzer
 * signs any, and an answer to them cannot be delivered.
 */
const UNDELIVERABLE = new Set(['user_not_found', 'channel_not_found', 'message_not_found']);
function failuresOfOurs(lines: { level: number; msg?: string; err?: unknown }[]) {
  return lines.filter((l) => (l.err as { data?: { error?: string } } | undefined)?.data?.error === undefined || !UNDELIVERABLE.has((l.err as { data: { error: string } }).data.error));
}



/**
 * Sends a correctly signed request and checks what the receiver must do with any body: no 5xx, no
 * failure logged, no claim left half-handled, no write but the bot's bookkeeping. Resolves with the answer.
 */
async function answersSafely(b: Built): Promise<{ status: number; body: string }> {
  const allowed = bookkeepingTables(b.genuineAction, b.submitted);
  const before = await fingerprintWithout(t.db, allowed);
  const errorsBefore = logs.errors().length;
  const res = await post(b, { kind: 'good' });
  await h.adapter.idle();
  const sent = typeof b.body === 'string' ? b.body.slice(0, 300) : `${b.body.length} bytes`;
  const label = `${res.status} ${res.body.slice(0, 200)} <- ${b.contentType} ${sent}`;
  expect(res.status, label).toBeLessThan(500);
  expect(failuresOfOurs(logs.errors().slice(errorsBefore)), label).toEqual([]);
  expect(await fingerprintWithout(t.db, allowed), label).toEqual(before);
  expect(await unansweredDeliveries(t.db), label).toBe(0);
  // What this input left open (a form, a search) is closed, so a later hostile text is not taken as its answer.
  await t.db.chatState.deleteMany();
  return res;
}

/** The receiver still takes a command and the bot still answers it. */
async function stillAnswers(): Promise<void> {
  const before = fake.callsOf('chat.postMessage').length;
  const res = await post({ body: form({ command: '/help', text: '', user_id: STRANGER, team_id: team, channel_id: 'D0DIRECT', trigger_id: fresh('tr') }), contentType: FORM, genuineAction: false }, { kind: 'good' });
  expect(res.status).toBe(200);
  await h.adapter.idle();
  expect(fake.callsOf('chat.postMessage').length).toBeGreaterThan(before);
}

describe('fuzzing the Slack receiver', () => {
  it('refuses every unsigned, forged, tampered or stale request with 401, and nothing is handled or written', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, badSigningArb, async (r, signing) => {
        const b = build(r);
        const before = await databaseFingerprint(t.db);
        const calls = fake.calls.length;
        const res = await post(b, signing);
        await h.adapter.idle();
        // A body over the limit may be refused for its size before its signature is looked at; never read.
        expect(res.status, `${JSON.stringify(signing)} -> ${res.status}`).toBe(r.kind === 'huge' && res.status === 413 ? 413 : 401);
        expect(fake.calls.length).toBe(calls);
        expect(await databaseFingerprint(t.db)).toEqual(before);
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(failures.failures).toEqual([]);
    await stillAnswers();
  });

  it('answers every hostile body that is correctly signed without a 5xx or a crash, and writes only delivery bookkeeping', async () => {
    const handledBefore = await t.db.chatDelivery.count();
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => void (await answersSafely(build(r)))),
      { numRuns: FUZZ_RUNS * 2 },
    );
    // Hostile, not hopeless: a good share of the requests got past the parsers to the bot.
    // The count is random (Discord's is 40-45 of 200 requests): a sixth of FUZZ_RUNS is far enough
    // below it never to fail by chance, and far above the zero of parsers that refuse everything.
    expect(await t.db.chatDelivery.count()).toBeGreaterThan(handledBefore + FUZZ_RUNS / 6);
    expect(failures.failures).toEqual([]);
    await stillAnswers();
  });
});

describe('what fuzzing the Slack receiver found', () => {
  const signed = (body: string, contentType: string): Built => ({ body, contentType, genuineAction: false });
  const command = (fields: Record<string, string>) =>
    signed(form({ command: '/help', text: '', user_id: MEMBER, team_id: team, channel_id: 'D0DIRECT', trigger_id: fresh('tr'), ...fields }), FORM);

  it('a signed body of JSON null crashed Bolt outside any handler and was never answered; a body Bolt cannot type waited 3 s for an ack: both are 400 at once', async () => {
    for (const [body, type] of [['null', 'application/json'], ['payload=null', FORM], ['{}', 'application/json'], ['[]', 'application/json'], ['{"event":"x"}', 'application/json'], ['{"type":"shortcut","callback_id":"cb","name":"field","user":{"id":"U0MEMBER01"}}', 'application/json']]) {
      expect((await answersSafely(signed(body!, type!))).status, body).toBe(400);
    }
    expect(failures.failures).toEqual([]);
  });

  it('a team id with a NUL reached the delivery claim and failed in PostgreSQL: it is not a Slack id, so the command is refused as unreadable', async () => {
    const res = await answersSafely(command({ team_id: '\u0000' }));
    expect(res).toMatchObject({ status: 200, body: expect.stringContaining('could not be read') });
  });

  it('a team id named like an Object.prototype key ("constructor") broke the client pool Bolt keeps per team: a 500', async () => {
    for (const teamId of ['constructor', '__proto__', 'toString']) expect((await answersSafely(command({ team_id: teamId }))).status).toBe(200);
  });

  it("a coach's /members search with a NUL was kept as conversation state and failed in PostgreSQL: now core refuses the search and nothing is kept", async () => {
    const before = fake.calls.length;
    expect((await answersSafely(command({ command: '/members', text: '\u0000', user_id: COACH }))).status).toBe(200);
    const answers = fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral');
    expect(JSON.stringify(answers.map((c) => c.args.text))).toMatch(/Please check/);
  });
});

describe('fuzzing the Slack OAuth install routes', () => {
  const base = oauth.url.replace('/slack/events', '');
  const get = async (path: string, cookie?: string) => {
    const res = await Promise.race([fetch(`${base}${path}`, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } }), failures.crashed]);
    return { status: res.status, body: await res.text() };
  };
  /** An install begun as a browser begins it: the state in Slack's authorize URL and the cookie that binds it to the browser. */
  async function begin(): Promise<{ state: string; cookie: string }> {
    const res = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    await res.arrayBuffer();
    return { state: new URL(res.headers.get('location')!).searchParams.get('state')!, cookie: res.headers.get('set-cookie')!.split(';')[0]! };
  }
  const queryArb = fc.record({
    code: fc.option(fc.oneof(fc.constant('abc123'), hostileTextArb), { nil: undefined }),
    state: fc.option(hostileTextArb, { nil: undefined }),
    error: fc.option(fc.oneof(fc.constantFrom('access_denied', 'invalid_scope'), hostileTextArb), { nil: undefined }),
  });
  const query = (q: Record<string, string | undefined>) => new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  const cookieArb = fc.oneof(
    fc.constant(undefined),
    fc.stringMatching(/^[\x21-\x7e]{1,100}$/),
    fc.constant('same-as-state'),
  );

  it('answers forged, missing or garbage state, code and cookies without a 5xx, asks Slack for nothing and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), queryArb, cookieArb, async (install, q, cookie) => {
        const before = await databaseFingerprint(t.db);
        const exchanges = oauthFake.callsOf('oauth.v2.access').length;
        const sameAsState = cookie === 'same-as-state' ? `slack-app-oauth-state=${new URLSearchParams({ s: q.state ?? '' }).toString().slice(2)}` : cookie;
        const res = await get(`${install ? '/slack/install' : '/slack/oauth_redirect'}?${query(q)}`, sameAsState);
        expect(res.status, `${res.status} ${res.body.slice(0, 200)}`).toBeLessThan(500);
        expect(oauthFake.callsOf('oauth.v2.access')).toHaveLength(exchanges);
        expect(await databaseFingerprint(t.db)).toEqual(before);
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(failures.failures).toEqual([]);
  });

  it('answers an install the user cancelled, or whose code Slack refuses, without a 5xx, and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ kind: fc.constant('cancelled' as const), code: fc.option(hostileTextArb, { nil: undefined }) }),
          fc.record({ kind: fc.constant('refused' as const), code: hostileTextArb, error: fc.constantFrom('invalid_code', 'code_already_used', 'code_expired', 'bad_redirect_uri', 'invalid_client_id') }),
        ),
        async (r) => {
          const { state, cookie } = await begin();
          const before = await databaseFingerprint(t.db);
          if (r.kind === 'refused') oauthFake.fail('oauth.v2.access', { error: r.error });
          const q = r.kind === 'cancelled' ? { error: 'access_denied', state, code: r.code } : { code: r.code || 'x', state };
          const res = await get(`/slack/oauth_redirect?${query(q)}`, cookie);
          // A cancelled install (error=access_denied) used to be a 500 from @slack/oauth's default failure page.
          expect(res.status, `${JSON.stringify(r)} -> ${res.status}`).toBeLessThan(500);
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(await databaseFingerprint(t.db)).toEqual(before);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
    expect(failures.failures).toEqual([]);
  });
});
