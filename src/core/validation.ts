import { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors.ts';

/**
 * Parses input at a core entry point. Bad input becomes a ValidationError naming each field, so
 * every channel (API, chat, jobs) gets the same answer and nothing is written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  const issues = result.success
    ? nulIssues(result.data)
    : result.error.issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message }));
  if (issues.length === 0) return result.data as z.output<S>;
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  throw new ValidationError(`Invalid input: ${summary}`, issues);
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(input)';
}

/** PostgreSQL text cannot hold NUL; refusing it here keeps it from ever reaching the driver as a 500. */
function nulIssues(value: unknown, path: PropertyKey[] = []): FieldIssue[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ field: fieldOf(path), message: 'must not contain NUL characters' }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulIssues(v, [...path, i]));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).flatMap(([k, v]) => nulIssues(v, [...path, k]));
  }
  return [];
}

// Building blocks shared by the modules' input schemas.
export const id = z.uuid({ message: 'must be a UUID' });
/** HH:mm on a 24-hour clock, 00:00 to 23:59. */
export const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time as HH:mm (00:00-23:59)' });
/** An IANA time-zone name that the runtime knows. */
export const timeZone = z.string().min(1).max(64).refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Paris' });
export const instant = z.coerce.date({ message: 'must be a date-time' }).refine((d) => !Number.isNaN(d.getTime()), {
  message: 'must be a valid date-time',
});
/** Free text kept by the product, bounded (parseInput refuses NUL in any string). */
export const text = (max: number) =>
  z.string().max(max, { message: `must be at most ${max} characters` });

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}
