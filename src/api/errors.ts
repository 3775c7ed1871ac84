import { STATUS_CODES as HTTP_STATUS_TEXT } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asDomainError, isDomainError, type FieldIssue } from '../core/index.ts';
import { redactUrl } from './logger.ts';

// Every error leaves the API in one shape, `{ statusCode, message, error, details? }`
// (docs/design.md §2): core's DomainErrors keep their status and stable code, request validation is
// reported like core's ValidationError, Fastify's own 4xx get stable codes, anything else is a
// sanitized 500.

export interface ErrorBody {
  statusCode: number;
  message: string;
  error: string;
  details?: unknown;
}

/** Stable codes for the 4xx Fastify and its plugins raise before a route runs. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_json_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_BAD_URL: 'bad_url',
  FST_MISSING_HOST: 'missing_host',
};

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

interface SchemaIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: { keys?: unknown };
}

/** Where a request value failed validation, named as core names fields (`a.b.0`). */
function fieldOf(issue: SchemaIssue, context: string | undefined): string {
  const path = (issue.instancePath ?? '').split('/').filter(Boolean).join('.');
  return path || `(${context ?? 'input'})`;
}

export function validationBody(error: FastifyError): ErrorBody {
  const context = error.validationContext;
  const issues: FieldIssue[] = (error.validation ?? []).flatMap((issue: SchemaIssue) => {
    // zod reports unknown keys on their parent object; name each key instead, as a field.
    const keys = issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params?.keys) ? issue.params.keys : null;
    if (keys) {
      const parent = fieldOf({ instancePath: issue.instancePath ?? '' }, undefined);
      return keys.map((key) => ({ field: parent.startsWith('(') ? String(key) : `${parent}.${String(key)}`, message: 'is not a known field' }));
    }
    return [{ field: fieldOf(issue, context), message: issue.message ?? 'is invalid' }];
  });
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return {
    statusCode: 400,
    error: 'validation_failed',
    message: `Invalid ${context ?? 'input'}: ${summary}`,
    details: { in: context, issues },
  };
}

export function toErrorBody(raw: unknown, requestId: string): ErrorBody {
  const error = asDomainError(raw);
  if (isDomainError(error)) {
    const body: ErrorBody = { statusCode: error.status, message: error.message, error: error.code };
    if (error.details !== undefined) body.details = error.details;
    return body;
  }
  const fastifyError = error as Partial<FastifyError> | null;
  if (fastifyError && Array.isArray(fastifyError.validation)) return validationBody(fastifyError as FastifyError);
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = (fastifyError?.code && FASTIFY_CODES[fastifyError.code]) ?? STATUS_CODES[status] ?? 'bad_request';
    return { statusCode: status, message: fastifyError?.message ?? 'Bad request', error: code };
  }
  return {
    statusCode: 500,
    message: 'Internal server error; the request id identifies it in the logs',
    error: 'internal_error',
    details: { requestId },
  };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const error = asDomainError(raw);
    const body = toErrorBody(error, request.id);
    if (body.statusCode >= 500 && !isDomainError(error)) {
      request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    } else if (body.statusCode >= 500) {
      request.log.warn({ code: body.error }, body.message);
    } else if (!isDomainError(error)) {
      request.log.info({ code: body.error, statusCode: body.statusCode }, body.message);
    }
    if (body.statusCode === 401) void reply.header('www-authenticate', 'Bearer');
    // Errors that pass (a spent budget, a busy database) say when to come back.
    const retryAfter = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
  });
}

export function notFound(request: FastifyRequest, reply: FastifyReply) {
  const body: ErrorBody = {
    statusCode: 404,
    error: 'route_not_found',
    message: `Route ${request.method} ${redactUrl(request.url.split('?')[0] ?? '')} not found`,
  };
  return reply.code(404).send(body);
}

/** What Node's HTTP parser refuses before Fastify sees a request: status, code and message by parser error. */
const CLIENT_ERRORS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'Request headers are larger than 16 KB'],
  HPE_INVALID_CONTENT_LENGTH: [400, 'invalid_content_length', 'Content-Length must be a number of bytes'],
  HPE_UNEXPECTED_CONTENT_LENGTH: [400, 'invalid_content_length', 'Send one Content-Length'],
  HPE_INVALID_TRANSFER_ENCODING: [400, 'invalid_content_length', 'Send Content-Length or Transfer-Encoding, not both'],
  HPE_INVALID_METHOD: [400, 'unknown_method', 'Not an HTTP method'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'The request took too long to arrive'],
};

/**
 * Fastify's clientErrorHandler: a request Node's parser refuses (bad Content-Length, headers over
 * 16 KB, an unknown method, not HTTP at all) is answered in the same error format, then the
 * connection closed, since the parser cannot tell where the next request would start.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [statusCode, code, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'malformed_request', 'Malformed HTTP request'];
  if (socket.writable) {
    const body = JSON.stringify({ statusCode, message, error: code } satisfies ErrorBody);
    socket.write(
      `HTTP/1.1 ${statusCode} ${HTTP_STATUS_TEXT[statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * HTTP/1.1 requires Host. Node would refuse a request without one itself, with an empty body; it is
 * told not to (see buildApp) so that this onRequest hook refuses it in the error format instead.
 */
export async function requireHost(request: FastifyRequest): Promise<void> {
  if (request.raw.httpVersion === '1.1' && !request.headers.host) {
    throw Object.assign(new Error('HTTP/1.1 requests must send a Host header'), { statusCode: 400, code: 'FST_MISSING_HOST' });
  }
}
