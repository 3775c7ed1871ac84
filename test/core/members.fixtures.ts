import { expect } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import type { Actor, DomainError, RoleName } from '../../src/core/index.ts';
import { ValidationError } from '../../src/core/index.ts';
import { actorOf, makeUser, type MadeUser, type UserOverrides } from '../helpers/factories.ts';

// Arrangement and assertion helpers shared by the users, members, coaches and signup tests.

export interface Person {
  user: MadeUser;
  actor: Actor;
}

export async function person(db: Db, role: RoleName, o: UserOverrides = {}): Promise<Person> {
  const user = await makeUser(db, role, o);
  return { user, actor: await actorOf(db, user) };
}

export async function people(db: Db, role: RoleName, count: number, o: UserOverrides = {}): Promise<Person[]> {
  const made: Person[] = [];
  for (let i = 0; i < count; i++) made.push(await person(db, role, o));
  return made;
}

/** The error a call fails with; fails the test when the call succeeds. */
export async function failure(call: () => Promise<unknown>): Promise<DomainError> {
  try {
    await call();
  } catch (error) {
    return error as DomainError;
  }
  expect.fail('expected the call to fail');
}

/** Expects a ValidationError that names `field` among its issues. */
export function expectFieldError(error: unknown, field: string): void {
  expect(error).toBeInstanceOf(ValidationError);
  const fields = (error as ValidationError).issues.map((i) => i.field);
  expect(fields).toContain(field);
}

const TABLES = [
  'users',
  'member_profiles',
  'coach_profiles',
  'chat_identities',
  'user_permissions',
  'conversations',
  'conversation_participants',
  'notifications',
  'sessions',
  'calendar_events',
] as const;

/**
 * A fingerprint of every row of the tables these services write: equal before and after a call
 * means the call wrote nothing at all, neither an insert nor an update.
 */
export async function fingerprint(db: Db): Promise<Record<string, string>> {
  const parts = TABLES.map(
    (table) => `SELECT '${table}' AS t, count(*)::int AS n, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS h FROM "${table}" r`,
  );
  const rows = await db.$queryRawUnsafe<{ t: string; n: number; h: string }[]>(parts.join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.t, `${r.n}:${r.h}`]));
}

/** Row counts of the same tables in one statement: enough to show a call inserted nothing. */
export async function rowCounts(db: Db): Promise<Record<string, number>> {
  const columns = TABLES.map((table) => `(SELECT count(*)::int FROM "${table}") AS "${table}"`).join(', ');
  const [row] = await db.$queryRawUnsafe<Record<string, number>[]>(`SELECT ${columns}`);
  return row ?? {};
}

/** Unique suffixes for emails and names, so repeated property runs never collide. */
let serial = 0;
export function nextSerial(): number {
  serial += 1;
  return serial;
}
