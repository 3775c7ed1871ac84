import { isCodeOf, STATUS_OF, type CodeOf, type ErrorCode, type ErrorKind } from './error-codes.ts';

// The closed set of domain errors (docs/design.md §2). Each carries a stable `code` from
// error-codes.ts: the API's `error` field, the key of the chat sentence, and what logs and metrics
// count. Every constructor takes the code first, and only a code of its own kind.

export * from './error-codes.ts';

export interface FieldIssue {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
  get status(): number {
    return STATUS_OF[this.kind];
  }
}

export class ValidationError extends DomainError {
  readonly kind = 'validation';
  declare readonly code: CodeOf<'validation'>;
  /** `issues` name each field and why; they are the error's `details.issues`. */
  constructor(code: CodeOf<'validation'>, message: string, readonly issues: FieldIssue[] = []) {
    super(code, message, issues.length ? { issues } : undefined);
  }
  static field(field: string, message: string): ValidationError {
    return new ValidationError('validation_failed', `${field}: ${message}`, [{ field, message }]);
  }
}

export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized';
  declare readonly code: CodeOf<'unauthorized'>;
  constructor(code: CodeOf<'unauthorized'> = 'unauthorized', message = 'Authentication required') {
    super(code, message);
  }
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  declare readonly code: CodeOf<'forbidden'>;
  constructor(code: CodeOf<'forbidden'>, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** What a NotFoundError can name, and the code each answers. */
const NOT_FOUND_CODES = {
  User: 'user_not_found',
  Member: 'member_not_found',
  Coach: 'coach_not_found',
  Session: 'session_not_found',
  Booking: 'booking_not_found',
  'Booking series': 'series_not_found',
  Availability: 'availability_not_found',
  Permission: 'permission_not_found',
  Conversation: 'conversation_not_found',
  'API token': 'api_token_not_found',
  'Chat identity': 'chat_identity_not_found',
  'Calendar feed': 'calendar_feed_not_found',
  Package: 'package_not_found',
  Commitment: 'commitment_not_found',
  'Waitlist entry': 'waitlist_entry_not_found',
} as const satisfies Record<string, CodeOf<'not_found'>>;

export type NotFoundEntity = keyof typeof NOT_FOUND_CODES;

/** Its code follows from what it names, so it is made from the entity (and id) alone. */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  declare readonly code: CodeOf<'not_found'>;
  constructor(readonly entity: NotFoundEntity, id?: string) {
    super(NOT_FOUND_CODES[entity], id ? `${entity} ${id} not found` : `${entity} not found`);
  }
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
  declare readonly code: CodeOf<'conflict'>;
  constructor(code: CodeOf<'conflict'>, message: string, details?: unknown) {
    super(code, message, details);
  }
}

export class UnprocessableError extends DomainError {
  readonly kind = 'unprocessable';
  declare readonly code: CodeOf<'unprocessable'>;
  constructor(code: CodeOf<'unprocessable'>, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** The request was fine but cannot be served now (a lock wait ran out); the same request may succeed after `retryAfterSeconds`. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
  declare readonly code: CodeOf<'unavailable'>;
  constructor(code: CodeOf<'unavailable'>, message: string, readonly retryAfterSeconds: number) {
    super(code, message);
  }
}

/** A refusal of a kind with no class of its own to rebuild it (a not-found names its entity when made). */
class ReplayedRefusal extends DomainError {
  constructor(
    readonly kind: ErrorKind,
    code: ErrorCode,
    message: string,
    details?: unknown,
  ) {
    super(code, message, details);
  }
}

/** A refusal given again under its idempotency key: the same kind, code, message and details as the first time. */
export function replayedRefusal(r: { kind: ErrorKind; code: ErrorCode; message: string; details?: unknown }): DomainError {
  const { code, message, details } = r;
  if (isCodeOf('forbidden', code)) return new ForbiddenError(code, message, details);
  if (isCodeOf('conflict', code)) return new ConflictError(code, message, details);
  if (isCodeOf('unprocessable', code)) return new UnprocessableError(code, message, details);
  return new ReplayedRefusal(r.kind, code, message, details);
}

export const SLOT_FULL_MESSAGE = 'This slot is now full, please choose another';

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
