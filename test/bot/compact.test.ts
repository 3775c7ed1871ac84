import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { packInstant, unpackInstant } from '../../src/bot/compact.js';
import { localDayNumber, spanLabel } from '../../src/bot/format.js';

describe('packed instants', () => {
  it('round-trip every minute up to the year 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Math.floor(Date.UTC(9999, 11, 31, 23, 59) / 60_000) }), (minute) => {
        const at = new Date(minute * 60_000);
        expect(unpackInstant(packInstant(at))?.getTime()).toBe(at.getTime());
      }),
      { numRuns: 200 },
    );
  });

  it('refuse any eight base-36 characters that name no formattable minute, so a signed but absurd action is malformed, not a crash', () => {
    // "1u5hvr41" was a fuzzer's find: a valid signature over minutes past the end of Date's range.
    expect(unpackInstant('1u5hvr41')).toBeNull();
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-z]{1,8}$/), (packed) => {
        const at = unpackInstant(packed);
        if (at === null) return;
        expect(Number.isNaN(at.getTime())).toBe(false);
        expect(() => localDayNumber(at, 'Pacific/Kiritimati')).not.toThrow();
        expect(spanLabel(at, 60, 'America/Los_Angeles')).not.toMatch(/Invalid/);
      }),
      { numRuns: 300 },
    );
  });
});
