import { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors.ts';

/**
 * Parses input at a core entry point. Bad input becomes a ValidationError naming each field, so
 * every channel (API, chat, jobs) gets the same answer and nothing is written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  const issues = result.success
    ? unstorableTextIssues(result.data)
    : result.error.issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message }));
  if (issues.length === 0) return result.data as z.output<S>;
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  throw new ValidationError('validation_failed', `Invalid input: ${summary}`, issues);
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(input)';
}

/**
 * The same rule as `storableText`, applied to every string a schema let through: a net for strings
 * typed loosely (z.record, z.unknown), so no unstorable text reaches the driver as a 500.
 */
function unstorableTextIssues(value: unknown, path: PropertyKey[] = []): FieldIssue[] {
  if (typeof value === 'string') return isStorableText(value) ? [] : [{ field: fieldOf(path), message: UNSTORABLE_TEXT }];
  if (Array.isArray(value)) return value.flatMap((v, i) => unstorableTextIssues(v, [...path, i]));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).flatMap(([k, v]) => unstorableTextIssues(v, [...path, k]));
  }
  return [];
}

// Building blocks shared by the modules' input schemas. The API's request schemas are built from
// these too, so a value core accepts is never refused by the API first, and the other way round.
export const id = z.uuid({ message: 'must be a UUID' });

/** The schema of an id field by its name, built once: zod compiles an object schema at its first parse. */
const idFields = new Map<string, z.ZodObject>();

/** An id passed on its own (a path parameter), refused as a ValidationError that names it. */
export function parseId(value: unknown, field = 'id'): string {
  let schema = idFields.get(field);
  if (!schema) idFields.set(field, (schema = z.object({ [field]: id })));
  return parseInput(schema, { [field]: value })[field] as string;
}
/** HH:mm on a 24-hour clock, 00:00 to 23:59. */
export const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time as HH:mm (00:00-23:59)' });
/** An IANA time-zone name that the runtime knows. */
export const timeZone = z.string().min(1).max(64).refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Paris' });

// Text. PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate (JSON "\ud800") is not Unicode:
// no database, JSON encoder or chat platform can carry it faithfully. Every string core keeps is
// built on `storableText`, so both are a 400 naming the field rather than a 500 or silent damage.

const UNSTORABLE_TEXT = 'must be valid Unicode text without NUL characters';

/** A surrogate code unit not in a pair: a `u` regex reads a pair as one code point, never as Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** The one text type: any storable string (bound it with `text`, or build on it). */
export const storableText = z.string().refine(isStorableText, { message: UNSTORABLE_TEXT, abort: true });

/** Free text kept as given, at most `max` characters. */
export const text = (max: number) => storableText.max(max, { message: `must be at most ${max} characters` });

const CONTROL = /\p{Cc}/u;
/** Control characters other than tab and line breaks. */
const CONTROL_IN_TEXT = /(?![\t\n\r])\p{Cc}/u;

/** A one-line label (a name, a search term): trimmed, 1 to `max` characters, no control characters. */
export const singleLine = (max: number) =>
  storableText
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(max, { message: `must be at most ${max} characters` })
    .refine((s) => !CONTROL.test(s), { message: 'must not contain control characters' });

/** Free text a person writes, line breaks allowed; an empty answer clears the field. */
export const note = (max: number) =>
  storableText
    .trim()
    .max(max, { message: `must be at most ${max} characters` })
    .refine((s) => !CONTROL_IN_TEXT.test(s), { message: 'must not contain control characters' })
    .transform((s) => (s === '' ? null : s))
    .nullable();

// Dates and instants. Every date a request names lies in one sane range: far enough back for any
// history, far enough ahead for any plan, and inside what PostgreSQL, JavaScript's Date and every
// time-zone database agree on (year 0 or 10000 used to reach the database and answer 500).

export const FIRST_DATE = '1970-01-01';
export const LAST_DATE = '2199-12-31';
const FIRST_INSTANT_MS = Date.parse(`${FIRST_DATE}T00:00:00Z`);
/** Exclusive: the instant after the last day ends. */
const END_INSTANT_MS = Date.parse('2200-01-01T00:00:00Z');
const DATE_RANGE = `must be a date from ${FIRST_DATE} to ${LAST_DATE}`;
const INSTANT_RANGE = `must be an instant from ${FIRST_DATE}T00:00:00Z to ${LAST_DATE}T23:59:59Z`;

const isInstantInRange = (ms: number) => ms >= FIRST_INSTANT_MS && ms < END_INSTANT_MS;

/** A calendar date YYYY-MM-DD that exists (no 2030-02-30), from FIRST_DATE to LAST_DATE. */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD', abort: true })
  .refine(isCalendarDate, { message: 'must be a real calendar date', abort: true })
  .refine((date) => date >= FIRST_DATE && date <= LAST_DATE, { message: DATE_RANGE });

function isCalendarDate(date: string): boolean {
  const at = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) === date;
}

/**
 * An instant as text: ISO 8601 with a UTC offset (a wall-clock time without one names no instant),
 * inside the range. What the API accepts and documents (format date-time).
 */
export const instantText = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with an offset, e.g. 2030-01-07T10:00:00Z', abort: true })
  .refine((v) => isInstantInRange(Date.parse(v)), { message: INSTANT_RANGE });

/** An instant as core takes it: a Date (from code) or instantText (from a request), as a Date. */
export const instant = z
  .preprocess((v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : v), instantText)
  .transform((v) => new Date(v));

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}
