import fc from 'fast-check';
import { createActionSigner } from '../../src/bot/actions.ts';
import { packId } from '../../src/bot/compact.ts';
import { FEATURES } from '../../src/bot/features/index.ts';

// What hostile input looks like, shared by every entry point's fuzz test: text PostgreSQL or UTF-8
// cannot hold, unicode that breaks naive length and direction handling, injection strings, wrong
// types for known fields, malformed JSON, and bodies far over any limit.

/** Runs per property: FUZZ_RUNS raises it for a longer local search. */
export const FUZZ_RUNS = Math.max(100, Number(process.env.FUZZ_RUNS) || 100);

/** Text with a character PostgreSQL or UTF-8 cannot hold: NUL, or a lone surrogate (JSON writes it as "\ud800"). */
export const unstorableTextArb = fc
  .tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ maxLength: 10 }))
  .map(([a, bad, b]) => `${a}${bad}${b}`);

/** A string far over any field's bound (up to 80 KiB). */
export const hugeTextArb = fc.integer({ min: 101, max: 80 * 1024 }).map((n) => 'x'.repeat(n));

/** Unicode that is valid but troublesome: direction overrides, zero-width and combining marks, emoji sequences, BOM, separators. */
export const TRICKY_UNICODE = [
  '\u202Egnp.exe',
  '\u200F\u0627\u0644\u0639\u0631\u0628\u064A\u0629\u200E',
  'a\u200Bb\u200Dc\u2060d',
  'Z\u0351\u0308\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307',
  '👨‍👩‍👧‍👦🏳️‍🌈👍🏽',
  '\uFEFFbom',
  'line\u2028sep\u2029para',
  '\uFFFF\uFFFE',
  '𝕳𝖊𝖑𝖑𝖔',
  'ｆｕｌｌｗｉｄｔｈ',
  '\u0000',
  '\ud800',
  '\udfff',
  'e\u0301 vs \u00e9',
] as const;

/** Strings aimed at whatever interprets text downstream: SQL, HTML, templates, markup, paths, headers, prototypes. */
export const INJECTIONS = [
  "'; DROP TABLE users; --",
  "' OR '1'='1",
  '" OR 1=1 --',
  "1; SELECT pg_sleep(10); --",
  '$1',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  '{{7*7}}',
  '${7*7}',
  '#{7*7}',
  '<%= 7*7 %>',
  '{{constructor.constructor("return process")()}}',
  '*bold* _it_ ~strike~ `code` <!channel> <@U0123> <#C0123|x> @everyone @here',
  '[link](javascript:alert(1)) <b>html</b> &amp; &lt;',
  '../../../../etc/passwd',
  '%00%0d%0a',
  '\r\nSet-Cookie: a=b',
  '%s%s%s%n',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e400',
  '',
  ' ',
] as const;

/** Any hostile text: injections, tricky or unstorable unicode, arbitrary code points, control characters, sometimes huge. */
export const hostileTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY_UNICODE) },
  { weight: 2, arbitrary: unstorableTextArb },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...INJECTIONS), fc.constantFrom(...TRICKY_UNICODE)).map(([a, b]) => `${a}${b}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => '🙂'.repeat(n)) },
  { weight: 1, arbitrary: hugeTextArb },
);

/** A value of the wrong type for any field: numbers at the edges, booleans, null, arrays, objects, prototype keys. */
export const wrongTypeArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 2 ** 53, -(2 ** 63), 1e308, [], {}, [null], JSON.parse('{"__proto__":{"polluted":true}}') as unknown, { toString: 'x' }),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  hostileTextArb,
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

/** Bodies that are not JSON, or not the JSON they claim to be. */
export const malformedJsonArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '}',
    '[',
    '{"a":1,}',
    "{'a':1}",
    '{"a":undefined}',
    'NaN',
    'undefined',
    '{"a":"\\x00"}',
    '{"a":"\\ud800"}',
    '\uFEFF{}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    'null',
    'true',
    '0',
    '"string"',
    '[]',
  ),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.integer({ min: 1, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1, max: 5000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.jsonValue({ maxDepth: 2 }).map((v) => {
    const text = JSON.stringify(v) ?? '';
    return text.slice(0, Math.max(0, text.length - 1));
  }),
);

/** Content types a receiver does not expect, or expects in an unusual spelling. */
export const oddContentTypeArb = fc.constantFrom(
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/json, text/plain',
  '',
);

/** Every path to a value (leaf or not) inside a JSON-like value. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const own = prefix.length ? [prefix] : [];
  if (Array.isArray(value)) return [...own, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (value && typeof value === 'object') return [...own, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  return own;
}

function withAt(value: unknown, path: (string | number)[], replace: (old: unknown) => unknown | typeof DELETE): unknown {
  if (!path.length) return replace(value);
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<string | number, unknown>;
  const next = withAt(copy[head!], rest, replace);
  if (next === DELETE) delete copy[head!];
  else copy[head!] = next;
  return copy;
}
const DELETE = Symbol('delete');

/** Edits to make to a payload: which of its fields (by index, modulo their count) gets which hostile value, or is removed. */
export const editsArb = fc.array(fc.tuple(fc.nat(), fc.oneof(wrongTypeArb, hostileTextArb, fc.constant<unknown>(DELETE))), { minLength: 1, maxLength: 3 });
export type Edits = typeof editsArb extends fc.Arbitrary<infer T> ? T : never;

/** The payload with the edits made: fields anywhere (nested too) replaced by hostile values or removed. */
export function applyEdits(payload: unknown, edits: Edits): unknown {
  return edits.reduce<unknown>((acc, [index, value]) => {
    const paths = pathsOf(acc);
    return paths.length ? withAt(acc, paths[index % paths.length]!, () => value) : acc;
  }, payload);
}

/**
 * A well-formed payload with a few of its fields (anywhere, nested too) replaced by hostile text or a
 * value of the wrong type, or removed: what a receiver's parser must refuse or survive.
 */
export function corruptedArb<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, editsArb).map(([payload, edits]) => applyEdits(payload, edits));
}

/**
 * Records every 'uncaughtException' and 'unhandledRejection' while a fuzz test runs, so a crash the
 * receiver swallowed into the void still fails the test. `crashed` rejects at the first one: race a
 * request against it, so a request a crash left unanswered fails the test instead of hanging it.
 * Call `stop()` in afterAll.
 */
export function watchProcessFailures(): { failures: unknown[]; crashed: Promise<never>; stop(): void } {
  const failures: unknown[] = [];
  let fail: (error: unknown) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  crashed.catch(() => undefined);
  const onFailure = (error: unknown) => {
    failures.push(error);
    fail(error);
  };
  process.on('uncaughtException', onFailure);
  process.on('unhandledRejection', onFailure);
  return {
    failures,
    crashed,
    stop() {
      process.off('uncaughtException', onFailure);
      process.off('unhandledRejection', onFailure);
    },
  };
}

/** A pino destination that keeps every log line, so a test can assert nothing was logged at error level. */
export function logCapture(): { stream: { write(line: string): void }; lines: { level: number; msg?: string; [k: string]: unknown }[]; errors(): { level: number; msg?: string }[] } {
  const lines: { level: number; msg?: string }[] = [];
  return {
    stream: { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg?: string }) },
    lines,
    errors: () => lines.filter((l) => l.level >= 50),
  };
}

/** Every verb a bot button can carry, so a new action is fuzzed without touching the tests. */
export const ACTION_VERBS: string[] = FEATURES.flatMap((f) => Object.keys(f.actions ?? {}));

/** An action argument in the token alphabet: packed ids of rows that do not exist, extreme instants and numbers, empties. */
const actionArgArb = fc.oneof(
  fc.constantFrom('', '-', '0', 'zzzzzzzz', 'zzzzzz', '10000000', 'zz', '_', '--'),
  fc.uuid().map(packId),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,22}$/),
  fc.nat({ max: 2 ** 40 }).map((n) => n.toString(36)),
);

/**
 * A button token as the bot signs it (sign with our secret and the sender's subject), or a forgery:
 * signed with another secret, drawn for someone else, tampered with after signing, or expired.
 */
export const actionSpecArb = fc.record({
  verb: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ACTION_VERBS) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-zA-Z]{1,3}$/) }),
  args: fc.array(actionArgArb, { maxLength: 3 }),
  forgery: fc.constantFrom('none', 'none', 'none', 'other-secret', 'other-subject', 'tampered', 'expired'),
});
export type ActionSpec = typeof actionSpecArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * The token for a spec, signed by the real signer. A token over the platform's byte limit cannot be
 * signed: its unsigned body is sent instead, which the bot must refuse as malformed.
 */
export function actionToken(spec: ActionSpec, secret: string, subject: string, now: Date): string {
  const signer = createActionSigner(spec.forgery === 'other-secret' ? `${secret}-not` : secret);
  const when = spec.forgery === 'expired' ? new Date(now.getTime() - 30 * 24 * 60 * 60_000) : now;
  try {
    const token = signer.sign(spec.forgery === 'other-subject' ? `${subject}-other` : subject, spec.verb, spec.args, when);
    if (spec.forgery !== 'tampered') return token;
    const [verb, args, expiry, mac] = token.split('.') as [string, string, string, string];
    return `${verb}.${args}x.${expiry}.${mac}`;
  } catch {
    return `${spec.verb}.${spec.args.join('~')}`;
  }
}

/** True when the spec is a genuine button: our secret, the sender's own subject, not expired. */
export const isGenuineAction = (spec: ActionSpec) => spec.forgery === 'none';
