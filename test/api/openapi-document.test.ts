import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { createApiLogger } from '../../src/api/logger.ts';
import { setupApi, TEST_API_CONFIG } from './harness.ts';

// The shape of /openapi.json that generated clients rely on (issue 22): named components behind
// $ref, a readable operationId and explicit security on every operation, the errors each operation
// can answer as shared responses of the one Error schema, and servers from PUBLIC_URL.

const api = await setupApi({ redis: false });

interface Response {
  $ref?: string;
  content?: Record<string, { schema: { $ref?: string } }>;
}
interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, Response>;
}
interface Document {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Response> };
}

async function documentOf(app = api.app): Promise<Document> {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const doc = await documentOf();
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
);
const PUBLIC = ['checkLiveness', 'checkReadiness', 'getCalendarFeed'];

describe('the OpenAPI document', () => {
  it('defines each shared shape once, as a named component every answer refers to', () => {
    for (const name of [
      'Error', 'User', 'Member', 'Coach', 'AvailabilityWindow', 'Slot', 'Booking', 'Session', 'Token', 'IssuedToken', 'Notification',
      'UserPage', 'MemberPage', 'CoachPage', 'BookingPage', 'SessionPage', 'TokenPage', 'NotificationPage',
      'AvailabilityWindowList', 'SlotList', 'BookingList', 'SessionList',
    ]) {
      expect(doc.components.schemas, name).toHaveProperty(name);
    }
    expect(doc.paths['/bookings']!.get!.responses['200']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/BookingPage' });
    expect(doc.paths['/members/{id}/assign-coach']!.patch!.responses['200']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Member' });
    // No JSON success body is written out inline: a generator names every one.
    const inline = operations.flatMap(({ path, method, operation }) =>
      Object.entries(operation.responses)
        .filter(([status, response]) => status.startsWith('2') && response.content?.['application/json'] && !response.content['application/json'].schema.$ref)
        .map(([status]) => `${method} ${path} ${status}`),
    );
    expect(inline).toEqual([]);
  });

  it('names every operation with a unique, readable operationId', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][a-zA-Z]+$/.test(id)), ids.join()).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['listBookings', 'createBooking', 'cancelBooking', 'assignCoach', 'listSlots', 'createUser']));
  });

  it('states security on every operation: a bearer token, or an explicit empty list on the public ones', () => {
    for (const { path, method, operation } of operations) {
      const expected = PUBLIC.includes(operation.operationId!) ? [] : [{ bearerAuth: [] }];
      expect(operation.security, `${method} ${path}`).toEqual(expected);
    }
    expect(operations.filter(({ operation }) => operation.security?.length === 0).map(({ operation }) => operation.operationId).sort()).toEqual(PUBLIC);
  });

  it('lists the errors each operation can answer, each a shared response of the Error schema', () => {
    for (const response of Object.values(doc.components.responses)) {
      expect(response.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    const errorsOf = (operation: Operation) => Object.keys(operation.responses).filter((status) => Number(status) >= 400);
    for (const { path, method, operation } of operations) {
      for (const status of errorsOf(operation)) {
        const ref = operation.responses[status]!.$ref;
        // /readyz describes its own 503 (the readiness report); everything else refers to the shared one.
        if (operation.operationId === 'checkReadiness' && status === '503') continue;
        expect(ref, `${method} ${path} ${status}`).toMatch(/^#\/components\/responses\/\w+$/);
        expect(doc.components.responses).toHaveProperty(ref!.split('/').pop()!);
      }
      if (PUBLIC.includes(operation.operationId!)) continue;
      const expected = ['400', '401', '403', '404', '422', '429', '500', '503', ...(method === 'GET' ? [] : ['409', '413', '415'])];
      expect(errorsOf(operation).sort(), `${method} ${path}`).toEqual(expected.sort());
    }
    expect(errorsOf(doc.paths['/calendar/{token}.ics']!.get!).sort()).toEqual(['400', '404', '429', '500', '503']);
  });

  it('names its server: PUBLIC_URL when set, else the URL the document was fetched from', async () => {
    expect(doc.servers).toEqual([{ url: 'http://localhost:80' }]);
    const config = { ...TEST_API_CONFIG, PUBLIC_URL: 'https://coach.example.org/api/' };
    const app = await buildApp({ core: api.core, db: api.db, config, logger: createApiLogger(config) });
    try {
      expect((await documentOf(app)).servers).toEqual([{ url: 'https://coach.example.org/api' }]);
    } finally {
      await app.close();
    }
  });
});
