import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { setupApi } from './harness.ts';

// Acceptance of the OpenAPI document for generated clients (issue 22): types generated from the live
// /openapi.json with openapi-typescript type-check a typed openapi-fetch client (typed-client/flow.ts)
// with no `any` in it, and that client books and cancels against the real server on a loopback port.

const ROOT = join(import.meta.dirname, '..', '..');
const FLOW = join(import.meta.dirname, 'typed-client', 'flow.ts');
/** The module name flow.ts imports its generated types from. */
const TYPES_MODULE = 'coachbot-openapi';

const api = await setupApi();
await api.app.listen({ host: '127.0.0.1', port: 0 });
const baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
const dir = mkdtempSync(join(tmpdir(), 'coachbot-typed-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Type-checks flow.ts under the project's compiler options, its generated types from `typesFile`. */
function typecheck(typesFile: string): { errors: string[]; anys: string[] } {
  const configFile = join(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configFile, (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configFile));
  const program = ts.createProgram({ rootNames: [FLOW], options: { ...options, paths: { [TYPES_MODULE]: [typesFile] } } });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1} ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
  // Every value in the client, declared or inferred, must have a real type: `any` anywhere means
  // the document left something undescribed (or the client escaped the types).
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(FLOW);
  if (!source) throw new Error(`${FLOW} is not in the program`);
  const anys: string[] = [];
  const visit = (node: ts.Node): void => {
    // Imports and written types are not values; a renamed destructured key names no value of its own.
    if (ts.isImportDeclaration(node) || ts.isTypeNode(node)) return;
    const parent = node.parent as ts.Node | undefined;
    const renamedKey = parent !== undefined && ts.isBindingElement(parent) && parent.propertyName === node;
    if ((ts.isIdentifier(node) || ts.isExpression(node)) && !renamedKey && checker.getTypeAtLocation(node).flags & ts.TypeFlags.Any) {
      anys.push(`line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText()}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { errors, anys };
}

interface Flow {
  bookAndCancel(baseUrl: string, token: string, day: { date: string; dayOfWeek: number }): Promise<{
    coach: { id: string; role: string };
    member: { id: string; coachId: string | null };
    slots: { date: string; time: string }[];
    booked: { id: string; status: string; coachId: string };
    cancelled: { id: string; status: string };
    notFound: { status: number; error: { statusCode: number; error: string } };
  }>;
}

describe('a client generated from /openapi.json', () => {
  it('type-checks with no any, then creates a coach and a member, assigns, lists slots, books and cancels', async () => {
    const res = await fetch(`${baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { servers: { url: string }[] };
    // Without PUBLIC_URL the server is where the document was fetched from.
    expect(document.servers).toEqual([{ url: baseUrl }]);

    const typesFile = join(dir, 'openapi.d.ts');
    writeFileSync(typesFile, astToString(await openapiTS(document as Parameters<typeof openapiTS>[0])));
    const { errors, anys } = typecheck(typesFile);
    expect(errors).toEqual([]);
    expect(anys).toEqual([]);

    // The committed flow.ts, run as it type-checked (its only import of the types is erased).
    const { bookAndCancel } = (await import(FLOW)) as Flow;
    const admin = await api.userWithToken('Admin');
    // The day after the test epoch (Monday 2030-01-07), a Tuesday.
    const result = await bookAndCancel(baseUrl, admin.token, { date: '2030-01-08', dayOfWeek: 2 });
    expect(result.coach.role).toBe('Coach');
    expect(result.member.coachId).toBe(result.coach.id);
    expect(result.slots.map((s) => s.time)).toEqual(['09:00', '10:00', '11:00']);
    expect(result.booked).toMatchObject({ status: 'confirmed', coachId: result.coach.id });
    expect(result.cancelled).toMatchObject({ id: result.booked.id, status: 'cancelled' });
    expect(result.notFound).toMatchObject({ status: 404, error: { statusCode: 404, error: 'booking_not_found' } });
  });
});
