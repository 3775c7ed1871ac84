import { describe, expect, it } from 'vitest';
import { toErrorBody } from '../../src/api/errors.ts';
import { errorStatuses } from '../../src/api/error-responses.ts';
import { ANSWERED_BY_KIND, sentenceFor, UNEXPECTED_SENTENCE } from '../../src/bot/errors.ts';
import {
  ALL_ERROR_CODES,
  ConflictError,
  ERROR_CODES,
  ForbiddenError,
  NotFoundError,
  replayedRefusal,
  STATUS_OF,
  UnavailableError,
  UnprocessableError,
  ValidationError,
  type ErrorCode,
} from '../../src/core/index.ts';

// The error codes are one closed, documented set (src/core/error-codes.ts): each has a kind, hence
// one status, that the API answers and the OpenAPI document declares, and a chat answer.

const kindOf = (code: ErrorCode) => ERROR_CODES[code].kind;

/** An error carrying `code`, made the way an idempotency key replays it (any kind, any code). */
const errorWith = (code: ErrorCode) => replayedRefusal({ kind: kindOf(code), code, message: `refused: ${code}` });

describe('error codes', () => {
  it('every code is snake_case, says what it means and has the status of its kind', () => {
    expect(ALL_ERROR_CODES.length).toBeGreaterThan(40);
    for (const code of ALL_ERROR_CODES) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(ERROR_CODES[code].meaning.length).toBeGreaterThan(5);
      expect(STATUS_OF[kindOf(code)]).toBeGreaterThanOrEqual(400);
    }
  });

  it('the API answers every code with the status of its kind, and the document declares that status for a bearer route', () => {
    const declared = errorStatuses('POST', 'bearer');
    for (const code of ALL_ERROR_CODES) {
      const body = toErrorBody(errorWith(code), 'req-1');
      expect(body).toMatchObject({ statusCode: STATUS_OF[kindOf(code)], error: code, message: `refused: ${code}` });
      expect(declared).toContain(body.statusCode);
    }
  });

  it('the bot answers every code with a sentence of its own or of its kind, never the apology for a bug', () => {
    for (const code of ALL_ERROR_CODES) expect(sentenceFor(errorWith(code)), code).not.toBe(UNEXPECTED_SENTENCE);
    expect(new Set(ANSWERED_BY_KIND).size).toBe(ANSWERED_BY_KIND.length);
    // A time the clocks skip says so, rather than a kind's "cannot be done right now".
    expect(sentenceFor(errorWith('nonexistent_time'))).toMatch(/clocks skip it/);
  });

  it('a replayed refusal is rebuilt as the class its code belongs to', () => {
    expect(errorWith('slot_full')).toBeInstanceOf(ConflictError);
    expect(errorWith('not_your_member')).toBeInstanceOf(ForbiddenError);
    expect(errorWith('link_code_used')).toBeInstanceOf(UnprocessableError);
    expect(errorWith('member_not_found')).toMatchObject({ kind: 'not_found', code: 'member_not_found', status: 404 });
  });

  it('every constructor takes the code first, and only a code of its own kind', () => {
    expect(new ValidationError('invalid_state', 'no', [{ field: 'status', message: 'no' }])).toMatchObject({ code: 'invalid_state', status: 400, details: { issues: [{ field: 'status', message: 'no' }] } });
    expect(new ForbiddenError('missing_permission', 'no', { permission: 'x' })).toMatchObject({ code: 'missing_permission', status: 403, details: { permission: 'x' } });
    expect(new NotFoundError('API token', 'abc')).toMatchObject({ code: 'api_token_not_found', message: 'API token abc not found', status: 404 });
    expect(new UnavailableError('database_busy', 'busy', 2)).toMatchObject({ code: 'database_busy', status: 503, retryAfterSeconds: 2 });
    // These lines fail the typecheck (npm run typecheck) unless the classes refuse them.
    // @ts-expect-error a code that does not exist
    expect(() => new ConflictError('slot_ful', 'full')).not.toThrow();
    // @ts-expect-error a 403 code given to a 409
    expect(() => new ConflictError('missing_permission', 'no')).not.toThrow();
    // @ts-expect-error the message first, as constructors once took it
    expect(() => new ForbiddenError('You may not', 'missing_permission')).not.toThrow();
    // @ts-expect-error an entity with no not-found code
    expect(() => new NotFoundError('Widget')).not.toThrow();
  });
});
