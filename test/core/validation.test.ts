import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../src/core/errors.ts';
import {
  calendarDate,
  FIRST_DATE,
  instant,
  instantText,
  isStorableText,
  LAST_DATE,
  note,
  parseInput,
  singleLine,
  text,
} from '../../src/core/validation.ts';
import { setupCore } from '../helpers/core.ts';
import { actorOf, makeUser } from '../helpers/factories.ts';

const { core, db } = await setupCore();

describe('parseInput', () => {
  it('refuses a NUL character in any string, naming the field, even where the schema allows any text', () => {
    const schema = z.object({ name: z.string(), tags: z.array(z.string()), nested: z.object({ note: z.string() }) });
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom('name', 'tags.0', 'nested.note'), (before, after, field) => {
        const bad = `${before}\u0000${after}`;
        const input = {
          name: field === 'name' ? bad : 'ok',
          tags: [field === 'tags.0' ? bad : 'ok'],
          nested: { note: field === 'nested.note' ? bad : 'ok' },
        };
        let thrown: unknown;
        try {
          parseInput(schema, input);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ValidationError);
        expect((thrown as ValidationError).issues.map((i) => i.field)).toEqual([field]);
      }),
      { numRuns: 100 },
    );
  });

  it('a NUL in signup input is a ValidationError and writes nothing (it used to reach PostgreSQL as a 500)', async () => {
    const before = await db.user.count();
    await expect(core.signup.signupMember({ name: 'Ada\u0000', goals: 'run' })).rejects.toMatchObject({
      issues: [{ field: 'name' }],
    });
    await expect(core.signup.signupMember({ name: 'Ada', goals: 'run\u0000' })).rejects.toBeInstanceOf(ValidationError);
    expect(await db.user.count()).toBe(before);
  });
});

/** A string holding one unstorable character (NUL or a lone surrogate) somewhere among valid text. */
const unstorableText = fc
  .tuple(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ unit: 'grapheme', maxLength: 20 }))
  .map(([before, bad, after]) => `${before}${bad}${after}`);

describe('the one text type', () => {
  it('refuses NUL and lone surrogates in every text building block, and keeps valid text (pairs, emoji) as given', () => {
    const types = [text(100), singleLine(100), note(100)];
    fc.assert(
      fc.property(unstorableText, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\u0000')), (bad, good) => {
        expect(isStorableText(bad)).toBe(false);
        for (const type of types) expect(type.safeParse(bad).success).toBe(false);
        expect(isStorableText(good)).toBe(true);
        expect(text(100).parse(good)).toBe(good);
      }),
      { numRuns: 200 },
    );
  });

  it('parseInput refuses them in any string too, naming the field', () => {
    fc.assert(
      fc.property(unstorableText, (bad) => {
        expect(() => parseInput(z.object({ free: z.string() }), { free: bad })).toThrow(ValidationError);
        try {
          parseInput(z.object({ free: z.string() }), { free: bad });
        } catch (error) {
          expect((error as ValidationError).issues).toEqual([{ field: 'free', message: expect.stringMatching(/Unicode/) }]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a lone surrogate in a cancellation reason is a ValidationError on reason, and nothing changes', async () => {
    const coach = await makeUser(db, 'Coach');
    const member = await makeUser(db, 'Member', { coachId: coach.id });
    const admin = await actorOf(db, await makeUser(db, 'Admin'));
    await db.coachAvailability.create({ data: { coachId: coach.id, dayOfWeek: 2, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: 1, bufferMinutes: 0 } });
    const session = await core.sessions.create(admin, { memberId: member.memberId!, coachId: coach.id, scheduledAt: new Date('2030-01-08T10:00:00Z'), duration: 60, type: 'regular' });
    await expect(core.sessions.cancel(admin, session.id, { reason: 'ill \ud800' })).rejects.toMatchObject({ issues: [{ field: 'reason' }] });
    expect((await db.session.findUniqueOrThrow({ where: { id: session.id } })).status).toBe('scheduled');
  });
});

describe('the one bounded date and instant', () => {
  const day = 86_400_000;
  const first = Date.parse(`${FIRST_DATE}T00:00:00Z`);
  const end = Date.parse(`${LAST_DATE}T00:00:00Z`) + day;

  it(`accepts every date from ${FIRST_DATE} to ${LAST_DATE} and refuses the days just outside, saying the range`, () => {
    expect(calendarDate.safeParse(FIRST_DATE).success).toBe(true);
    expect(calendarDate.safeParse(LAST_DATE).success).toBe(true);
    for (const outside of ['1969-12-31', '2200-01-01', '0000-01-01', '9999-12-31']) {
      const result = calendarDate.safeParse(outside);
      expect(result.error?.issues[0]?.message).toBe(`must be a date from ${FIRST_DATE} to ${LAST_DATE}`);
    }
    fc.assert(
      fc.property(fc.integer({ min: first, max: end - 1 }), (ms) => {
        expect(calendarDate.safeParse(new Date(ms).toISOString().slice(0, 10)).success).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('accepts every instant in range, as a Date or as ISO 8601 text with any offset, and refuses the instants just outside', () => {
    expect(instant.safeParse(new Date(first)).success).toBe(true);
    expect(instant.safeParse(new Date(end - 1)).success).toBe(true);
    expect(instant.safeParse(new Date(first - 1)).success).toBe(false);
    expect(instant.safeParse(new Date(end)).success).toBe(false);
    // Year 10000 in UTC, though its local date reads 9999.
    expect(instantText.safeParse('9999-12-31T23:59:59-14:00').error?.issues[0]?.message).toMatch(/^must be an instant from 1970/);
    expect(instantText.safeParse('0000-01-01T10:00:00Z').success).toBe(false);
    // A wall-clock time without an offset names no instant.
    expect(instantText.safeParse('2030-01-07T10:00:00').success).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: first + day, max: end - day }), fc.integer({ min: -12, max: 14 }), (ms, hours) => {
        const at = new Date(ms);
        const offset = `${hours < 0 ? '-' : '+'}${String(Math.abs(hours)).padStart(2, '0')}:00`;
        const local = new Date(ms + hours * 3_600_000).toISOString().slice(0, 23);
        expect(instant.parse(at).getTime()).toBe(ms);
        expect(instant.parse(`${local}${offset}`).getTime()).toBe(ms);
      }),
      { numRuns: 100 },
    );
  });

  it('core refuses out-of-range dates and instants from code too, naming the field and writing nothing', async () => {
    const user = await makeUser(db, 'Admin');
    const admin = await actorOf(db, user);
    const tokens = await db.apiToken.count();
    await expect(core.tokens.create(admin, { expiresAt: new Date(Date.parse('9999-12-31T23:59:59-14:00')) })).rejects.toMatchObject({ issues: [{ field: 'expiresAt' }] });
    await expect(core.tokens.issue({ user: user.id, expiresAt: '9999-12-31T23:59:59-14:00' })).rejects.toMatchObject({ issues: [{ field: 'expiresAt' }] });
    expect(await db.apiToken.count()).toBe(tokens);
    await expect(core.sessions.list(admin, { from: '0000-01-01T10:00:00Z' })).rejects.toMatchObject({ issues: [{ field: 'from' }] });
    await expect(core.bookings.list(admin, { from: '0000-01-01' })).rejects.toMatchObject({ issues: [{ field: 'from' }] });
  });
});
