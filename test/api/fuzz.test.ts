import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorableText } from '../../src/core/validation.ts';
import { hugeTextArb, INJECTIONS, TRICKY_UNICODE, unstorableTextArb } from '../helpers/hostile.ts';
import { buildWorld } from './fixtures.ts';
import { databaseFingerprint, setupApi } from './harness.ts';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

// Random and malformed requests to every write endpoint, taken from the OpenAPI document so a new
// endpoint is fuzzed without touching this file: never a 5xx, and a refused request writes nothing.

const api = await setupApi({ core: { bookingMinNoticeMinutes: 0 } });
const world = await buildWorld(api, { coaches: 2, membersPerCoach: 2, unassigned: 1, sessionsPerMember: 2 });
// A few bookings, so that booking routes with an id reach core too.
for (const [i, member] of world.members.filter((m) => m.coachId).entries()) {
  await api.core.bookings.create(world.adminActor, { memberId: member.memberId, coachId: member.coachId!, requestedDate: '2030-01-10', requestedTime: `${pad(8 + i)}:00` }, `fuzz-${i}`);
}

interface JsonSchema {
  type?: string | string[];
  format?: string;
  pattern?: string;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
}
interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
interface Endpoint {
  method: 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  path: string;
  params: string[];
  body: JsonSchema | undefined;
  needsKey: boolean;
}

const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
const endpoints: Endpoint[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([method]) => ['post', 'patch', 'delete', 'put'].includes(method))
    .map(([method, op]) => ({
      method: method.toUpperCase() as Endpoint['method'],
      path,
      params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      body: op.requestBody?.content?.['application/json']?.schema,
      needsKey: (op.parameters ?? []).some((p) => p.in === 'header' && p.name === 'idempotency-key'),
    })),
);

/** Every listing or read with query parameters: their values reach core's filters (dates above all). */
const queries = Object.entries(doc.paths).flatMap(([path, ops]) => {
  const query = (ops.get?.parameters ?? []).filter((p) => p.in === 'query');
  return ops.get && query.length && !path.includes('{') ? [{ path, query }] : [];
});

// Real ids make requests reach core rather than stop at "not found". The fuzzing admin's own
// account and token are left out, so a lucky request cannot lock the fuzzer out.
const fuzzer = world.admin;
const fuzzerToken = await api.db.apiToken.findFirstOrThrow({ where: { userId: fuzzer.id } });
async function knownIds(): Promise<Record<string, string[]>> {
  const [users, members, sessions, bookings, windows, tokens] = await Promise.all([
    api.db.user.findMany({ where: { id: { not: fuzzer.id } }, select: { id: true } }),
    api.db.memberProfile.findMany({ select: { id: true } }),
    api.db.session.findMany({ select: { id: true } }),
    api.db.sessionBooking.findMany({ select: { id: true } }),
    api.db.coachAvailability.findMany({ select: { id: true } }),
    api.db.apiToken.findMany({ where: { id: { not: fuzzerToken.id } }, select: { id: true } }),
  ]);
  const idsOf = (rows: { id: string }[]) => rows.map((r) => r.id);
  return {
    users: idsOf(users),
    coaches: idsOf(users),
    members: idsOf(members),
    sessions: idsOf(sessions),
    bookings: idsOf(bookings),
    'coach-availability': idsOf(windows),
    tokens: idsOf(tokens),
  };
}
const idsByResource = await knownIds();
const ids = [...new Set(Object.values(idsByResource).flat())];
/** Ids of the resource a path names (`/sessions/{id}/...` takes session ids), else any known id. */
function idsFor(path: string): string[] {
  const own = idsByResource[path.split('/')[1] ?? ''];
  return own?.length ? own : ids;
}

const idArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids) }, fc.uuid(), fc.string({ maxLength: 40 }), fc.constantFrom('', '..', '%00', 'null', '-1', 'members:read', 'admin'));
// The extremes that used to answer 500: dates and instants outside what PostgreSQL and Date agree on
// (year 0, year 10000 once an offset is applied), text PostgreSQL or UTF-8 cannot hold (NUL, a lone
// surrogate: JSON.stringify writes it as "\ud800"), and strings far over any field's bound.
// Year 0 and the last day of 9999 (year 10000 once a negative offset is applied) are the edges that broke.
const YEARS = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1, 1969, 1970, 2199, 2200, 9999) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 9999 }) });
const extremeDateArb = fc.oneof(
  fc.constantFrom('0000-01-01', '9999-12-31', '1969-12-31', '2200-01-01'),
  fc.tuple(YEARS, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`),
);
const offsetArb = fc.oneof(fc.constantFrom('Z', '-14:00', '+14:00'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 14 })).map(([sign, h]) => `${sign}${pad(h)}:00`));
const extremeInstantArb = fc
  .tuple(extremeDateArb, fc.integer({ min: 0, max: 23 }), offsetArb)
  .map(([date, h, offset]) => `${date}T${pad(h)}:00:00${offset}`);
// Storable but hostile text: SQL, HTML and template injection, direction overrides, emoji, combining marks.
const injectionArb = fc.oneof(fc.constantFrom(...INJECTIONS, ...TRICKY_UNICODE.filter(isStorableText)), fc.string({ unit: 'grapheme', maxLength: 30 }));
const extremeArb = fc.oneof(extremeDateArb, extremeInstantArb, unstorableTextArb, hugeTextArb, injectionArb);

type FieldKind = 'instant' | 'date' | 'text';
const EXTREME_OF: Record<FieldKind, fc.Arbitrary<string>> = { instant: extremeInstantArb, date: extremeDateArb, text: fc.oneof(unstorableTextArb, unstorableTextArb, hugeTextArb, injectionArb) };
function kindOf(schema: JsonSchema): FieldKind | null {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type ?? schema.anyOf?.[0]?.type;
  if (schema.format === 'date-time') return 'instant';
  if (schema.pattern?.includes('\\d{4}-')) return 'date';
  if (type === 'string' && !schema.format && !schema.pattern && !schema.enum) return 'text';
  return schema.anyOf?.length ? kindOf(schema.anyOf[0]!) : null;
}

const scalarArb = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(...ids),
  fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date('2029-12-01'), max: new Date('2030-03-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 60 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
  fc.constantFrom('Member', 'Coach', 'Admin', 'members:read', 'sessions:write', 'active', 'paused', 'regular', 'member', 'Europe/Paris', 'a@example.com'),
  extremeArb,
);
/**
 * A drawn value as query text. JSON objects go as JSON: String() of one with a "toString" key that
 * is not a function (which fc.jsonValue draws now and then) throws in the test, not in the server.
 */
const asQueryText = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
const valueArb = fc.oneof({ weight: 5, arbitrary: scalarArb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });

function enumValues(schema: JsonSchema | undefined): unknown[] {
  if (!schema) return [];
  return [...(schema.enum ?? []), ...(schema.anyOf ?? []).flatMap(enumValues)];
}

/** A value that fits a property's schema, so that requests get past validation into core. */
function plausibleArb(schema: JsonSchema, extremes = true): fc.Arbitrary<unknown> {
  const known = enumValues(schema);
  if (known.length) return fc.constantFrom(...known);
  // OpenAPI 3.1 writes a nullable value as anyOf [its schema, null]: fit the schema.
  const nonNull = schema.anyOf?.find((branch) => branch.type !== 'null');
  if (nonNull) return plausibleArb(nonNull);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'boolean') return fc.boolean();
  if (type === 'integer' || type === 'number') {
    const min = Math.max(schema.minimum ?? -5, -1000);
    return fc.integer({ min, max: Math.min(schema.maximum ?? min + 200, min + 1000) });
  }
  if (schema.format === 'uuid') return fc.constantFrom(...ids);
  if (schema.pattern?.includes(':') && !schema.format) return fc.integer({ min: 0, max: 23 }).map((h) => `${pad(h)}:00`);
  // Mostly near the test clock, so requests reach core's rules; sometimes the extremes of the format.
  if (schema.format === 'date-time') {
    const near = fc.integer({ min: -48, max: 24 * 60 }).map((h) => new Date(Date.UTC(2030, 0, 7, 9 + h)).toISOString());
    return extremes ? fc.oneof({ weight: 3, arbitrary: near }, { weight: 1, arbitrary: extremeInstantArb }) : near;
  }
  if (schema.pattern?.includes('\\d{4}')) {
    const near = fc.integer({ min: -3, max: 60 }).map((d) => new Date(Date.UTC(2030, 0, 7 + d)).toISOString().slice(0, 10));
    return extremes ? fc.oneof({ weight: 3, arbitrary: near }, { weight: 1, arbitrary: extremeDateArb }) : near;
  }
  if (schema.pattern?.includes(':')) return fc.integer({ min: 0, max: 23 }).map((h) => `${String(h).padStart(2, '0')}:00`);
  const near = fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) }, { weight: 1, arbitrary: injectionArb.filter((x) => x.trim().length > 0) });
  return extremes ? fc.oneof({ weight: 3, arbitrary: near }, { weight: 1, arbitrary: fc.oneof(unstorableTextArb, hugeTextArb) }) : near;
}

/** A body shaped like the endpoint's schema (known keys, plausible or wrong values), or not at all. */
function bodyArb(schema: JsonSchema | undefined) {
  const props = Object.entries(schema?.properties ?? {});
  const plausible = fc
    .tuple(...props.map(([, p]) => fc.option(plausibleArb(p), { nil: undefined, freq: 4 })))
    .map((values) => Object.fromEntries(props.map(([key], i) => [key, values[i]]).filter(([, v]) => v !== undefined)));
  const shaped = fc
    .tuple(
      ...props.map(([, p]) => {
        const known = enumValues(p);
        return fc.option(known.length ? fc.oneof(fc.constantFrom(...known), valueArb) : valueArb, { nil: undefined });
      }),
    )
    .map((values) => Object.fromEntries(props.map(([key], i) => [key, values[i]]).filter(([, v]) => v !== undefined)));
  return fc.oneof(
    { weight: 4, arbitrary: plausible.map((payload) => ({ kind: 'json' as const, payload })) },
    { weight: 3, arbitrary: shaped.map((payload) => ({ kind: 'json' as const, payload })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((payload) => ({ kind: 'json' as const, payload })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const, payload: undefined }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((payload) => ({ kind: 'raw-json' as const, payload })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', 'application/x-www-form-urlencoded'), fc.string({ maxLength: 60 })).map(
        ([type, payload]) => ({ kind: 'other' as const, type, payload }),
      ),
    },
  );
}

/** Who asks: the fuzzing admin, a member, or someone with a forged, garbage or near-miss bearer token. */
type Auth = 'admin' | 'member' | { header: string } | 'near-miss';
const authArb: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Auth>('admin') },
  { weight: 4, arbitrary: fc.constant<Auth>('member') },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant<Auth>('near-miss'),
      fc
        .oneof(
          fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer', 'Basic YWRtaW46YWRtaW4=', 'Bearer null', 'Bearer undefined', "Bearer ' OR '1'='1", 'Bearer {{7*7}}', 'Token abc'),
          fc.stringMatching(/^[\x21-\x7e]{1,200}$/).map((token) => `Bearer ${token}`),
        )
        .map((header): Auth => ({ header })),
    ),
  },
);

const requestArb = fc.nat(endpoints.length - 1).chain((e) => {
  const endpoint = endpoints[e]!;
  return fc.record({
    endpoint: fc.constant(endpoint),
    params: fc.tuple(...endpoint.params.map(() => idArb)),
    query: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
    body: bodyArb(endpoint.body),
    key: endpoint.needsKey ? fc.option(fc.string({ minLength: 0, maxLength: 300 }), { nil: undefined }) : fc.constant(undefined),
    auth: authArb,
  });
});

/** The one refusal that writes by design: a booking turned down for a full or taken slot is recorded (Property 48). */
function refusalRecordedByDesign(method: string, path: string, status: number, body: string): boolean {
  return method === 'POST' && path === '/bookings' && status === 409 && /"error":"slot_(full|unavailable)"/.test(body);
}

describe('fuzzing the write endpoints', () => {
  it('finds every write endpoint in the OpenAPI document', () => {
    const names = endpoints.map((e) => `${e.method} ${e.path}`);
    expect(names).toEqual(expect.arrayContaining(['POST /bookings', 'PATCH /members/{id}/assign-coach', 'DELETE /tokens/{id}', 'POST /sessions']));
    expect(endpoints.length).toBeGreaterThan(20);
  });

  it('answers random and malformed bodies, params and query strings with no 5xx, and a 4xx changes nothing in the database', async () => {
    const other = world.members[0]!;
    // Use each token once so authentication's own first write (lastUsedAt) is out of the way.
    await api.call(fuzzer.token, { method: 'GET', url: '/me' });
    await api.call(other.token, { method: 'GET', url: '/me' });
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const url =
          r.endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(r.params[r.endpoint.params.indexOf(name)] ?? '')) +
          (r.query === undefined ? '' : `?${encodeURIComponent(r.query)}=${encodeURIComponent(r.query)}`);
        const headers: Record<string, string> = {};
        if (r.key !== undefined) headers['idempotency-key'] = r.key;
        let payload: string | object | undefined;
        if (r.body.kind === 'json' && r.body.payload !== undefined) {
          payload = JSON.stringify(r.body.payload);
          headers['content-type'] = 'application/json';
        } else if (r.body.kind === 'raw-json') {
          payload = r.body.payload;
          headers['content-type'] = 'application/json';
        } else if (r.body.kind === 'other') {
          payload = r.body.payload;
          headers['content-type'] = r.body.type;
        }
        const before = await databaseFingerprint(api.db);
        const forged = r.auth !== 'admin' && r.auth !== 'member';
        if (r.auth === 'near-miss') headers.authorization = `Bearer ${fuzzer.token.slice(0, -1)}${fuzzer.token.endsWith('A') ? 'B' : 'A'}`;
        else if (typeof r.auth === 'object') headers.authorization = r.auth.header;
        const token = r.auth === 'admin' ? fuzzer.token : r.auth === 'member' ? other.token : null;
        const res = await api.call(token, { method: r.endpoint.method, url, headers, ...(payload === undefined ? {} : { payload }) });
        expect(res.statusCode, `${r.endpoint.method} ${url} -> ${res.body}`).toBeLessThan(500);
        // A forged token is refused before anything else is looked at; only a body over the limit (refused for its
        // size) or a path that names no route (a ".." id) is answered first, and neither runs anything.
        // A "." or ".." segment (raw or percent-encoded) names no route either: Fastify's not-found path
        // parses the body first, so an empty JSON body there answers 400 empty_json_body, not 404.
        const namesNoRoute = /"error":"route_not_found"/.test(res.body) || /\/(\.|%2e){1,2}(\/|\?|$)/i.test(url);
        if (forged && !namesNoRoute) expect([401, 413], `${headers.authorization} ${r.endpoint.method} ${url} -> ${res.body}`).toContain(res.statusCode);
        if (res.statusCode >= 400) {
          expect(res.json()).toMatchObject({ statusCode: res.statusCode, error: expect.any(String), message: expect.any(String) });
          if (!refusalRecordedByDesign(r.endpoint.method, r.endpoint.path, res.statusCode, res.body)) {
            expect(await databaseFingerprint(api.db), `${r.endpoint.method} ${url} -> ${res.body}`).toEqual(before);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers random and extreme query strings of every listing with no 5xx, in the error format', async () => {
    expect(queries.map((q) => q.path)).toEqual(expect.arrayContaining(['/sessions', '/bookings', '/tokens']));
    const queryArb = fc.nat(queries.length - 1).chain((q) => {
      const { path, query } = queries[q]!;
      return fc.record({
        path: fc.constant(path),
        values: fc.tuple(
          ...query.map((p) =>
            fc.option(fc.oneof({ weight: 4, arbitrary: plausibleArb(p.schema ?? {}) }, { weight: 1, arbitrary: valueArb.map(asQueryText) }), { nil: undefined, freq: 2 }),
          ),
        ),
        names: fc.constant(query.map((p) => p.name)),
        asAdmin: fc.boolean(),
      });
    });
    await fc.assert(
      fc.asyncProperty(queryArb, async (r) => {
        const params = new URLSearchParams();
        r.names.forEach((name, i) => {
          const value = r.values[i];
          if (value !== undefined) params.set(name, String(value));
        });
        const url = `${r.path}?${params.toString()}`;
        const res = await api.call(r.asAdmin ? fuzzer.token : world.members[0]!.token, { method: 'GET', url });
        expect(res.statusCode, `GET ${url} -> ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json()).toMatchObject({ statusCode: res.statusCode, error: expect.any(String), message: expect.any(String) });
      }),
      { numRuns: 300 },
    );
  });

  it('answers one extreme field (a date, an instant, text) in an otherwise plausible body with a 4xx that writes nothing', async () => {
    // Every other field is left out unless required, so the extreme value is what core gets to judge.
    const targets = endpoints.flatMap((endpoint) =>
      Object.entries(endpoint.body?.properties ?? {}).flatMap(([field, schema]) => {
        const kind = kindOf(schema);
        return kind ? [{ endpoint, field, kind }] : [];
      }),
    );
    expect(targets.map((t) => `${t.endpoint.method} ${t.endpoint.path} ${t.field}`)).toEqual(
      expect.arrayContaining(['POST /tokens expiresAt', 'POST /bookings requestedDate', 'PATCH /sessions/{id}/cancel reason', 'DELETE /bookings/{id} reason']),
    );
    const targetArb = fc.constantFrom(...targets).chain(({ endpoint, field, kind }) => {
      const required = (endpoint.body?.required ?? []).filter((name) => name !== field);
      return fc.record({
        endpoint: fc.constant(endpoint),
        params: fc.tuple(...endpoint.params.map(() => fc.constantFrom(...idsFor(endpoint.path)))),
        body: fc
          .tuple(fc.tuple(...required.map((name) => plausibleArb(endpoint.body!.properties![name]!, false))), EXTREME_OF[kind])
          .map(([values, extreme]) => ({ ...Object.fromEntries(required.map((name, i) => [name, values[i]])), [field]: extreme })),
      });
    });
    await fc.assert(
      fc.asyncProperty(targetArb, async (r) => {
        const url = r.endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => r.params[r.endpoint.params.indexOf(name)] ?? '');
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (r.endpoint.needsKey) headers['idempotency-key'] = randomUUID();
        const before = await databaseFingerprint(api.db);
        const res = await api.call(fuzzer.token, { method: r.endpoint.method, url, headers, payload: JSON.stringify(r.body) });
        expect(res.statusCode, `${r.endpoint.method} ${url} ${JSON.stringify(r.body).slice(0, 200)} -> ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400 && !refusalRecordedByDesign(r.endpoint.method, r.endpoint.path, res.statusCode, res.body)) {
          expect(await databaseFingerprint(api.db), `${r.endpoint.method} ${url} -> ${res.body}`).toEqual(before);
        }
      }),
      { numRuns: Math.max(300, targets.length * 8) },
    );
  });
});
