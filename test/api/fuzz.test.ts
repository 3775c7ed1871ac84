import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildWorld } from './fixtures.ts';
import { databaseFingerprint, setupApi } from './harness.ts';

// Random and malformed requests to every write endpoint, taken from the OpenAPI document so a new
// endpoint is fuzzed without touching this file: never a 5xx, and a refused request writes nothing.

const api = await setupApi({ core: { bookingMinNoticeMinutes: 0 } });
const world = await buildWorld(api, { coaches: 2, membersPerCoach: 2, unassigned: 1, sessionsPerMember: 1 });

interface JsonSchema {
  type?: string | string[];
  format?: string;
  pattern?: string;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
  anyOf?: JsonSchema[];
}
interface Operation {
  parameters?: { in: string; name: string; required?: boolean }[];
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

// Real ids make requests reach core rather than stop at "not found". The fuzzing admin's own
// account and token are left out, so a lucky request cannot lock the fuzzer out.
const fuzzer = world.admin;
const fuzzerToken = await api.db.apiToken.findFirstOrThrow({ where: { userId: fuzzer.id } });
async function knownIds(): Promise<string[]> {
  const [users, members, sessions, bookings, windows, tokens] = await Promise.all([
    api.db.user.findMany({ where: { id: { not: fuzzer.id } }, select: { id: true } }),
    api.db.memberProfile.findMany({ select: { id: true } }),
    api.db.session.findMany({ select: { id: true } }),
    api.db.sessionBooking.findMany({ select: { id: true } }),
    api.db.coachAvailability.findMany({ select: { id: true } }),
    api.db.apiToken.findMany({ where: { id: { not: fuzzerToken.id } }, select: { id: true } }),
  ]);
  return [...users, ...members, ...sessions, ...bookings, ...windows, ...tokens].map((r) => r.id);
}
const ids = await knownIds();

const idArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids) }, fc.uuid(), fc.string({ maxLength: 40 }), fc.constantFrom('', '..', '%00', 'null', '-1', 'members:read', 'admin'));
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
);
const valueArb = fc.oneof({ weight: 5, arbitrary: scalarArb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });

function enumValues(schema: JsonSchema | undefined): unknown[] {
  if (!schema) return [];
  return [...(schema.enum ?? []), ...(schema.anyOf ?? []).flatMap(enumValues)];
}

/** A value that fits a property's schema, so that requests get past validation into core. */
function plausibleArb(schema: JsonSchema): fc.Arbitrary<unknown> {
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
  if (schema.format === 'date-time') {
    return fc.integer({ min: -48, max: 24 * 60 }).map((h) => new Date(Date.UTC(2030, 0, 7, 9 + h)).toISOString());
  }
  if (schema.pattern?.includes('\\d{4}')) return fc.integer({ min: -3, max: 60 }).map((d) => new Date(Date.UTC(2030, 0, 7 + d)).toISOString().slice(0, 10));
  if (schema.pattern?.includes('\\d{2}:')) return fc.integer({ min: 0, max: 23 }).map((h) => `${String(h).padStart(2, '0')}:00`);
  return fc.string({ minLength: 1, maxLength: 20 });
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

const requestArb = fc.nat(endpoints.length - 1).chain((e) => {
  const endpoint = endpoints[e]!;
  return fc.record({
    endpoint: fc.constant(endpoint),
    params: fc.tuple(...endpoint.params.map(() => idArb)),
    query: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
    body: bodyArb(endpoint.body),
    key: endpoint.needsKey ? fc.option(fc.string({ minLength: 0, maxLength: 300 }), { nil: undefined }) : fc.constant(undefined),
    asAdmin: fc.boolean(),
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
        const res = await api.call(r.asAdmin ? fuzzer.token : other.token, { method: r.endpoint.method, url, headers, ...(payload === undefined ? {} : { payload }) });
        expect(res.statusCode, `${r.endpoint.method} ${url} -> ${res.body}`).toBeLessThan(500);
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
});
