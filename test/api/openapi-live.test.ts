import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { liveDocument } from '../../scripts/openapi.ts';
import { ROOT, SPAWNING } from '../runtime/process.ts';
import { REDIS_URL } from './harness.ts';

// The document `npm run lint:openapi` lints and `npm run openapi` prints is the one `npm start`
// serves: the server composed with every role, the playground included (README, "Admin API").

interface Operation {
  operationId?: string;
  security?: unknown[];
}
type Document = { paths: Record<string, Record<string, Operation>> };

const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ at: `${method.toUpperCase()} ${path}`, operation })));

describe('the live OpenAPI document', () => {
  it('names every operation and states its security (an empty list where it is public)', async () => {
    const doc = (await liveDocument({ ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', REDIS_URL })) as Document;
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.filter(({ operation }) => !operation.operationId).map(({ at }) => at)).toEqual([]);
    expect(operations.filter(({ operation }) => !Array.isArray(operation.security)).map(({ at }) => at)).toEqual([]);
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/playground') || path.startsWith('/admin/queues'))).toEqual([]);
  });

  it('`npm run --silent openapi` writes the document and nothing else to stdout', SPAWNING, async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'openapi'], { cwd: ROOT, env: { ...process.env, REDIS_URL }, maxBuffer: 64 * 1024 * 1024 });
    const doc = JSON.parse(stdout) as Document & { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    expect(operationsOf(doc).length).toBeGreaterThan(30);
  });
});
