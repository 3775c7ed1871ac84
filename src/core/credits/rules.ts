// The credit ledger's rules, pure (docs/design.md §12): balances, which grant a reservation draws on
// (the oldest live one first), what expires, and what a cancellation or an ending spends. The
// service reads the ledger under the coach lock and asks these; credits_reserve (a function of the
// migrations) applies the same oldest-first rule inside the booking's own query.

export type CreditKind = 'grant' | 'reserve' | 'release' | 'consume' | 'expire' | 'adjust';

export interface LedgerEntry {
  id: string;
  kind: CreditKind;
  /** + grant, release, adjust up; - reserve, expire, adjust down; 0 consume. */
  amount: number;
  /** The grant (or upward adjustment) the entry draws on; its own id for a grant. */
  grantId: string;
  expiresAt: Date | null;
  at: Date;
  sessionId?: string | null;
}

export interface GrantState {
  grantId: string;
  /** Credits it gave. */
  granted: number;
  /** Credits of it not reserved, spent or expired: the sum of every entry drawing on it. */
  remaining: number;
  expiresAt: Date | null;
  at: Date;
}

/** A grant (or upward adjustment) is its own grant: the entries drawing on it hang off its id. */
export function isGrant(e: Pick<LedgerEntry, 'id' | 'grantId' | 'amount'>): boolean {
  return e.id === e.grantId && e.amount > 0;
}

/** Every grant with what is left of it, oldest first (grant time, then id): the order credits are spent in. */
export function grantsOf(entries: readonly LedgerEntry[]): GrantState[] {
  const grants = new Map<string, GrantState>();
  for (const e of entries) if (isGrant(e)) grants.set(e.id, { grantId: e.id, granted: e.amount, remaining: 0, expiresAt: e.expiresAt, at: e.at });
  for (const e of entries) {
    const g = grants.get(e.grantId);
    if (g) g.remaining += e.amount;
  }
  return [...grants.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0));
}

export function isLive(g: Pick<GrantState, 'expiresAt'>, now: Date): boolean {
  return g.expiresAt === null || g.expiresAt.getTime() > now.getTime();
}

/** The grant each of `count` more reservations would draw on, oldest live grant first; null when they do not all fit. */
export function allocate(entries: readonly LedgerEntry[], now: Date, count: number): string[] | null {
  const picks: string[] = [];
  for (const g of grantsOf(entries)) {
    if (!isLive(g, now)) continue;
    for (let i = 0; i < g.remaining && picks.length < count; i++) picks.push(g.grantId);
    if (picks.length === count) break;
  }
  return picks.length === count ? picks : null;
}

/**
 * Whether `count` more reservations fit in the member's credits with a coach, on the ledger as read
 * under the coach lock. For any path that books several sessions at once (a series) as well as one.
 */
export function reservationsFit(entries: readonly LedgerEntry[], now: Date, count: number): boolean {
  return allocate(entries, now, count) !== null;
}

export interface CreditBalance {
  /** The sum of the ledger: credits neither reserved, spent nor expired. */
  balance: number;
  /** What a booking can draw on now: the credits left of live grants (the balance, less credits past validity the tick has not yet expired). */
  available: number;
  /** Credits given by the live grants ("4 of 10"). */
  total: number;
  /** The soonest expiry of a live grant with credit left; null when none expires. */
  until: Date | null;
  /** Credits reserved by scheduled sessions, not yet spent or released. */
  reserved: number;
}

export function balanceOf(entries: readonly LedgerEntry[], now: Date): CreditBalance {
  const grants = grantsOf(entries);
  const live = grants.filter((g) => isLive(g, now));
  const expiries = live.filter((g) => g.remaining > 0 && g.expiresAt !== null).map((g) => g.expiresAt!.getTime());
  const settled = new Set(entries.filter((e) => e.kind === 'release' || e.kind === 'consume').map((e) => e.sessionId));
  return {
    balance: entries.reduce((sum, e) => sum + e.amount, 0),
    available: live.reduce((sum, g) => sum + Math.max(0, g.remaining), 0),
    total: live.reduce((sum, g) => sum + g.granted, 0),
    until: expiries.length > 0 ? new Date(Math.min(...expiries)) : null,
    reserved: entries.filter((e) => e.kind === 'reserve' && !settled.has(e.sessionId)).length,
  };
}

/** The expire entry each grant past its validity still owes: whatever is left of it. */
export function expiriesDue(entries: readonly LedgerEntry[], now: Date): { grantId: string; amount: number }[] {
  return grantsOf(entries)
    .filter((g) => !isLive(g, now) && g.remaining > 0)
    .map((g) => ({ grantId: g.grantId, amount: -g.remaining }));
}

/** A downward adjustment of `count` split over the live grants, oldest first; null when fewer are left. */
export function adjustmentDraws(entries: readonly LedgerEntry[], now: Date, count: number): { grantId: string; amount: number }[] | null {
  const picks = allocate(entries, now, count);
  if (!picks) return null;
  const draws = new Map<string, number>();
  for (const grantId of picks) draws.set(grantId, (draws.get(grantId) ?? 0) - 1);
  return [...draws].map(([grantId, amount]) => ({ grantId, amount }));
}

export interface CancellationPolicy {
  cancellationCutoffHours: number;
  lateCancelConsumes: boolean;
  noShowConsumes: boolean;
}

/** The instant after which cancelling a session is late. */
export function cutoffOf(scheduledAt: Date, cutoffHours: number): Date {
  return new Date(scheduledAt.getTime() - cutoffHours * 3_600_000);
}

/** A cancellation at `at` is late from the cut-off on (the cut-off instant itself is late). */
export function isLateCancellation(scheduledAt: Date, at: Date, cutoffHours: number): boolean {
  return at.getTime() >= cutoffOf(scheduledAt, cutoffHours).getTime();
}

/**
 * What a cancellation does to the session's reserved credit: a member's late cancellation consumes
 * it when the coach says so; anything else (in time, or the coach or an admin cancelling) releases it.
 */
export function cancellationSettlement(p: CancellationPolicy, late: boolean, byMember: boolean): 'release' | 'consume' {
  return late && byMember && p.lateCancelConsumes ? 'consume' : 'release';
}

/** A no-show: the member's consumes the credit when the coach says so; the coach's releases it. */
export function noShowSettlement(p: CancellationPolicy, party: 'member' | 'coach'): 'release' | 'consume' {
  return party === 'member' && p.noShowConsumes ? 'consume' : 'release';
}
