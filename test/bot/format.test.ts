import { describe, expect, it } from 'vitest';
import { clockLabel, isRepeatedWallTime, localDayNumber, localDaySpan, spanLabel, countdown } from '../../src/bot/format.ts';

describe('times as the viewer reads them', () => {
  it('names the zone, and tells the two 02:30s of a fall-back night apart by their UTC offset', () => {
    // Europe/Berlin leaves summer time on 2030-10-27: 02:00-03:00 happens twice.
    const first = new Date('2030-10-27T00:30:00Z');
    const second = new Date('2030-10-27T01:30:00Z');
    expect(isRepeatedWallTime(first, 'Europe/Berlin')).toBe(true);
    expect(clockLabel(first, 'Europe/Berlin')).toBe('02:30 UTC+2');
    expect(clockLabel(second, 'Europe/Berlin')).toBe('02:30 UTC+1');
    expect(clockLabel(new Date('2030-10-27T09:00:00Z'), 'Europe/Berlin')).toBe('10:00');
    expect(spanLabel(new Date('2030-01-08T09:00:00Z'), 60, 'Asia/Kolkata')).toBe('Tue 8 Jan 2030, 14:30–15:30 (Asia/Kolkata)');
  });

  it('a viewer day spans its local midnight to midnight, 23 or 25 hours on DST days', () => {
    const day = localDayNumber(new Date('2030-10-27T12:00:00Z'), 'Europe/Berlin');
    const span = localDaySpan(day, 'Europe/Berlin');
    expect(span.start.toISOString()).toBe('2030-10-26T22:00:00.000Z');
    expect(span.end.getTime() - span.start.getTime()).toBe(25 * 3_600_000);
  });

  it('counts down in days, hours and minutes', () => {
    const now = new Date('2030-01-07T09:00:00Z');
    expect(countdown(now, new Date('2030-01-08T12:00:00Z'))).toBe('in 1 day 3 hours');
    expect(countdown(now, new Date('2030-01-07T09:45:00Z'))).toBe('in 45 minutes');
  });
});
