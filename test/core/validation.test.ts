import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../src/core/errors.ts';
import { parseInput } from '../../src/core/validation.ts';
import { setupCore } from '../helpers/core.ts';

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
