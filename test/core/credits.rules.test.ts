import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, balanceOf, cancellationSettlement, expiriesDue, grantsOf, isLateCancellation, reservationsFit, type LedgerEntry } from '../../src/core/credits/index.ts';

// The ledger's pure rules (docs/design.md §12), over any grants and reservations.

const DAY = 86_400_000;
const T0 = Date.UTC(2030, 0, 7);

interface Grant {
  amount: number;
  grantedDay: number;
  validDays: number | null;
}
const grantArb: fc.Arbitrary<Grant> = fc.record({ amount: fc.integer({ min: 1, max: 5 }), grantedDay: fc.integer({ min: 0, max: 30 }), validDays: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }) });

function grantEntries(grants: readonly Grant[]): LedgerEntry[] {
  return grants.map((g, i) => {
    const id = `g${String(i).padStart(3, '0')}`;
    const at = new Date(T0 + g.grantedDay * DAY);
    return { id, grantId: id, kind: 'grant', amount: g.amount, at, expiresAt: g.validDays === null ? null : new Date(at.getTime() + g.validDays * DAY) };
  });
}

/** Applies reservations one at a time as credits_reserve does: each on the oldest live grant left. */
function reserve(entries: LedgerEntry[], now: Date, n: number): LedgerEntry[] {
  const out = [...entries];
  for (let i = 0; i < n; i++) {
    const [grantId] = allocate(out, now, 1) ?? [];
    if (!grantId) break;
    out.push({ id: `r${i}`, grantId, kind: 'reserve', amount: -1, at: now, expiresAt: null, sessionId: `s${i}` });
  }
  return out;
}

describe('credit rules', () => {
  it('spends the oldest live grant first: no newer grant is drawn on while an older live one has credit left', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 45 }), fc.integer({ min: 0, max: 30 }), (grants, day, n) => {
        const now = new Date(T0 + day * DAY);
        const picks = allocate(grantEntries(grants), now, n);
        const live = grantsOf(grantEntries(grants)).filter((g) => g.expiresAt === null || g.expiresAt.getTime() > now.getTime());
        const liveCredits = live.reduce((sum, g) => sum + g.remaining, 0);
        expect(picks === null).toBe(n > liveCredits);
        expect(reservationsFit(grantEntries(grants), now, n)).toBe(n <= liveCredits);
        if (!picks) return;
        // The picks are the first n credits of the live grants in age order.
        const expected = live.flatMap((g) => Array.from({ length: g.remaining }, () => g.grantId)).slice(0, n);
        expect(picks).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('expiry takes what is left of each expired grant and nothing else, so what expires is what was granted last; the balance stays the sum of the ledger and never negative', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 80 }), (grants, bookDay, n, laterDay) => {
        const bookedAt = new Date(T0 + bookDay * DAY);
        const later = new Date(bookedAt.getTime() + laterDay * DAY);
        const ledger = reserve(grantEntries(grants), bookedAt, n);
        const due = expiriesDue(ledger, later);
        const byGrant = new Map(grantsOf(ledger).map((g) => [g.grantId, g]));
        for (const d of due) {
          const g = byGrant.get(d.grantId)!;
          expect(g.expiresAt!.getTime()).toBeLessThanOrEqual(later.getTime());
          expect(d.amount).toBe(-g.remaining);
        }
        const after = [...ledger, ...due.map((d, i) => ({ id: `e${i}`, grantId: d.grantId, kind: 'expire' as const, amount: d.amount, at: later, expiresAt: null }))];
        const b = balanceOf(after, later);
        expect(b.balance).toBe(after.reduce((sum, e) => sum + e.amount, 0));
        expect(b.balance).toBeGreaterThanOrEqual(0);
        expect(b.available).toBe(b.balance);
        for (const g of grantsOf(after)) expect(g.remaining).toBeGreaterThanOrEqual(0);
        // Expiring again owes nothing.
        expect(expiriesDue(after, later)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('a cancellation is late from the cut-off instant on; only a late one by the member consumes, and only when the coach says so', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 336 }), fc.integer({ min: -400, max: 400 }), fc.boolean(), fc.boolean(), (cutoff, hoursBefore, byMember, consumes) => {
        const start = new Date(T0 + 30 * DAY);
        const at = new Date(start.getTime() - hoursBefore * 3_600_000);
        const late = isLateCancellation(start, at, cutoff);
        expect(late).toBe(hoursBefore <= cutoff);
        const settle = cancellationSettlement({ cancellationCutoffHours: cutoff, lateCancelConsumes: consumes, noShowConsumes: true }, late, byMember);
        expect(settle).toBe(late && byMember && consumes ? 'consume' : 'release');
      }),
      { numRuns: 200 },
    );
  });
});
