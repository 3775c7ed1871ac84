import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { setupApi } from './harness.ts';

// Requests so malformed that Node's HTTP parser or Fastify answers them before any route runs. They
// cannot be made with inject, so they go over a raw socket to a real port; each must still answer in
// the one error format, `{ statusCode, message, error }`, with a stable code.

const api = await setupApi();
const admin = await api.userWithToken('Admin');
await api.app.listen({ host: '127.0.0.1', port: 0 });
const { port } = api.app.server.address() as AddressInfo;
afterAll(() => api.app.close());

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes and reads the answer until the server closes the connection. */
function raw(request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    // Written, not ended: a half-closed socket may be dropped before its answer is sent.
    socket.write(request);
  });
}

function expectErrorFormat(res: RawResponse, status: number, error: string) {
  expect(res.status, JSON.stringify(res)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body).toMatchObject({ statusCode: status, error, message: expect.any(String) });
  expect(Object.keys(body).every((k) => ['statusCode', 'message', 'error', 'details'].includes(k))).toBe(true);
}

const auth = () => `Authorization: Bearer ${admin.token}\r\n`;

describe('malformed HTTP answers in the error format', () => {
  it('a well-formed request over the same socket helper answers normally (the helper itself works)', async () => {
    const res = await raw(`GET /me HTTP/1.1\r\nHost: localhost\r\n${auth()}Connection: close\r\n\r\n`);
    expect(res.status).toBe(200);
  });

  it('a Content-Length that is not a number is 400 invalid_content_length', async () => {
    expectErrorFormat(await raw('POST /tokens HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}'), 400, 'invalid_content_length');
  });

  it('both Content-Length and Transfer-Encoding is 400 invalid_content_length', async () => {
    expectErrorFormat(
      await raw('POST /tokens HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'),
      400,
      'invalid_content_length',
    );
  });

  it('headers over 16 KB are 431 headers_too_large', async () => {
    expectErrorFormat(await raw(`GET /me HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(17 * 1024)}\r\n\r\n`), 431, 'headers_too_large');
  });

  it('an HTTP/1.1 request without Host is 400 missing_host', async () => {
    expectErrorFormat(await raw(`GET /me HTTP/1.1\r\n${auth()}Connection: close\r\n\r\n`), 400, 'missing_host');
  });

  it('a method HTTP does not know is 400 unknown_method, and one it knows but we do not route is 404', async () => {
    expectErrorFormat(await raw('FROBNICATE /me HTTP/1.1\r\nHost: localhost\r\n\r\n'), 400, 'unknown_method');
    expectErrorFormat(await raw(`PROPFIND /me HTTP/1.1\r\nHost: localhost\r\n${auth()}Connection: close\r\n\r\n`), 404, 'route_not_found');
  });

  it('two Content-Lengths are 400 invalid_content_length', async () => {
    expectErrorFormat(await raw('POST /tokens HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}'), 400, 'invalid_content_length');
  });

  it('an unknown HTTP version or a broken header line is 400 malformed_request', async () => {
    expectErrorFormat(await raw('GET /me HTTP/9.9\r\nHost: localhost\r\n\r\n'), 400, 'malformed_request');
    expectErrorFormat(await raw('GET /me HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n'), 400, 'malformed_request');
  });

  it('malformed JSON is 400 invalid_json and an unsupported content type 415, over a real socket too', async () => {
    const body = '{"name":';
    expectErrorFormat(
      await raw(`POST /tokens HTTP/1.1\r\nHost: localhost\r\n${auth()}Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`),
      400,
      'invalid_json',
    );
    expectErrorFormat(
      await raw(`POST /tokens HTTP/1.1\r\nHost: localhost\r\n${auth()}Content-Type: application/xml\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<a/>\r\n`),
      415,
      'unsupported_media_type',
    );
  });
});
