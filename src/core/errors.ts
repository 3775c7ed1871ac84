// The closed set of domain errors (docs/design.md §2). Each carries a stable `code`: the API's `error`
// field, the key of the chat sentence, and what logs and metrics count.

export interface FieldIssue {
  field: string;
  message: string;
}

export type ErrorKind = 'validation' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable' | 'unavailable';

export const STATUS_OF: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
};

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    readonly code: string,
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
  constructor(message: string, readonly issues: FieldIssue[] = [], code = 'validation_failed') {
    super(code, message, issues.length ? { issues } : undefined);
  }
  static field(field: string, message: string): ValidationError {
    return new ValidationError(`${field}: ${message}`, [{ field, message }]);
  }
}

export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized';
  constructor(message = 'Authentication required', code = 'unauthorized') {
    super(code, message);
  }
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  constructor(message = 'You are not allowed to do this', code = 'forbidden', details?: unknown) {
    super(code, message, details);
  }
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  constructor(readonly entity: string, id?: string) {
    super(`${entity.toLowerCase().replaceAll(' ', '_')}_not_found`, id ? `${entity} ${id} not found` : `${entity} not found`);
  }
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

export class UnprocessableError extends DomainError {
  readonly kind = 'unprocessable';
}

/** The request was fine but cannot be served now (a lock wait ran out); the same request may succeed after `retryAfterSeconds`. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
  constructor(code: string, message: string, readonly retryAfterSeconds: number) {
    super(code, message);
  }
}

/** A refusal of a kind with no class of its own to rebuild it (a not-found names its entity when made). */
class ReplayedRefusal extends DomainError {
  constructor(
    readonly kind: ErrorKind,
    code: string,
    message: string,
    details?: unknown,
  ) {
    super(code, message, details);
  }
}

/** A refusal given again under its idempotency key: the same kind, code, message and details as the first time. */
export function replayedRefusal(r: { kind: ErrorKind; code: string; message: string; details?: unknown }): DomainError {
  switch (r.kind) {
    case 'forbidden':
      return new ForbiddenError(r.message, r.code, r.details);
    case 'conflict':
      return new ConflictError(r.code, r.message, r.details);
    case 'unprocessable':
      return new UnprocessableError(r.code, r.message, r.details);
    default:
      return new ReplayedRefusal(r.kind, r.code, r.message, r.details);
  }
}

export const SLOT_FULL_MESSAGE = 'This slot is now full, please choose another';

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
