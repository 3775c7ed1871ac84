import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { makeCoach, makeMember } from '../helpers/factories.ts';
import { counts, DAY, failure, HOUR, key, person, setWindows, type Person } from './bookings.fixtures.ts';

// Session packages, the credit ledger and the cancellation policy (docs/design.md §12), against
// PostgreSQL through core.

const { db, core, clock } = await setupCore();
let coach: Person;
let freeCoach: Person;
let admin: Person;

beforeAll(async () => {
  coach = await person(db, makeCoach(db));
  freeCoach = await person(db, makeCoach(db));
  admin = await person(db, makeUser());
  await db.coachProfile.update({ where: { userId: coach.user.id }, data: { requiresCredits: true } });
  // Every day 09:00-17:00 UTC, seats enough for every property run's member, no buffer.
  for (const c of [coach, freeCoach]) {
    await setWindows(db, c.user.id, [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: 2000 })));
  }
});

function makeUser() {
  return import('../helpers/factories.ts').then((f) => f.makeAdmin(db));
}

/** A new member of `c` (a fresh ledger). */
const newMember = (c: Person = coach) => person(db, makeMember(db, { coachId: c.user.id }));

/** The slot `day` days after the test epoch, at `hour` UTC. */
function slot(day: number, hour = 10): Date {
  const d = new Date(TEST_EPOCH.getTime() + day * DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return d;
}

const book = (m: Person, at: Date, c: Person = coach) =>
  core.bookings.create(m.actor, { memberId: m.user.memberId!, coachId: c.user.id, startsAt: at.toISOString(), duration: 60 }, key());

const ledger = (m: Person, c: Person = coach) => core.credits.listLedger(admin.actor, m.user.memberId!, { coachId: c.user.id, limit: 500 });
const grant = (m: Person, count: number, validityDays?: number) => core.credits.grant(coach.actor, m.user.memberId!, { count, validityDays, reason: 'test' });

async function at<T>(when: Date, fn: () => Promise<T>): Promise<T> {
  clock.set(when);
  try {
    return await fn();
  } finally {
    clock.set(TEST_EPOCH);
  }
}

describe('packages', () => {
  it('a coach creates, lists and archives their packages; archived ones grant nothing', async () => {
    const pkg = await core.credits.createPackage(coach.actor, coach.user.id, { name: 'Ten sessions', sessions: 10, validityDays: 90 });
    expect(pkg).toMatchObject({ coachId: coach.user.id, name: 'Ten sessions', sessions: 10, validityDays: 90, archivedAt: null });
    expect((await core.credits.listPackages(coach.actor, coach.user.id)).map((p) => p.id)).toContain(pkg.id);
    const m = await newMember();
    const granted = await core.credits.grant(coach.actor, m.user.memberId!, { packageId: pkg.id });
    expect(granted).toMatchObject({ balance: 10, available: 10, total: 10 });
    expect(granted.until?.toISOString()).toBe(new Date(TEST_EPOCH.getTime() + 90 * DAY).toISOString());
    const archived = await core.credits.archivePackage(coach.actor, coach.user.id, pkg.id);
    expect(archived.archivedAt).not.toBeNull();
    expect((await core.credits.listPackages(coach.actor, coach.user.id)).map((p) => p.id)).not.toContain(pkg.id);
    expect((await core.credits.listPackages(coach.actor, coach.user.id, { includeArchived: true })).map((p) => p.id)).toContain(pkg.id);
    expect((await failure(core.credits.grant(coach.actor, m.user.memberId!, { packageId: pkg.id }))).code).toBe('package_archived');
    expect((await ledger(m)).balance).toBe(10);
  });

  it("another coach may neither create nor archive a coach's packages, and bad fields are named", async () => {
    expect((await failure(core.credits.createPackage(freeCoach.actor, coach.user.id, { name: 'X', sessions: 1, validityDays: 1 }))).code).toBe('not_your_packages');
    const e = (await failure(core.credits.createPackage(coach.actor, coach.user.id, { name: '', sessions: 0, validityDays: 1.5 }))) as Error & { code?: string; issues?: { field: string }[] };
    expect(e.code).toBe('validation_failed');
    expect(e.issues!.map((i) => i.field).sort()).toEqual(['name', 'sessions', 'validityDays']);
  });
});

describe('granting', () => {
  it('only the member’s coach or an admin grants; only an admin adjusts; the member reads their own ledger', async () => {
    const m = await newMember();
    expect((await failure(core.credits.grant(m.actor, m.user.memberId!, { count: 5 }))).code).toBe('missing_permission');
    expect((await failure(core.credits.grant(freeCoach.actor, m.user.memberId!, { count: 5 }))).code).toBe('not_your_member');
    expect((await failure(core.credits.grant(coach.actor, m.user.memberId!, { adjust: 2, reason: 'gift' }))).code).toBe('admin_only');
    expect((await failure(core.credits.grant(coach.actor, m.user.memberId!, { count: 2, adjust: 1 }))).code).toBe('validation_failed');
    await grant(m, 3);
    await core.credits.grant(admin.actor, m.user.memberId!, { adjust: -2, reason: 'correction' });
    expect((await failure(core.credits.grant(admin.actor, m.user.memberId!, { adjust: -2, reason: 'too many' }))).code).toBe('not_enough_credits');
    const own = await core.credits.listLedger(m.actor, m.user.memberId!);
    expect(own).toMatchObject({ balance: 1, available: 1 });
    expect(own.entries.map((e) => e.kind)).toEqual(['adjust', 'grant']);
  });

  it('entries are never updated or deleted: PostgreSQL refuses both', async () => {
    const m = await newMember();
    await grant(m, 1);
    await expect(db.creditEntry.updateMany({ where: { memberId: m.user.memberId! }, data: { amount: 5 } })).rejects.toThrow(/append-only/);
    await expect(db.creditEntry.deleteMany({ where: { memberId: m.user.memberId! } })).rejects.toThrow(/append-only/);
    expect((await ledger(m)).balance).toBe(1);
  });
});

describe('booking with a coach who requires credits', () => {
  it('a coach without credits books for free and writes no ledger entry', async () => {
    const m = await newMember(freeCoach);
    const b = await book(m, slot(1), freeCoach);
    expect(b.status).toBe('confirmed');
    expect(await db.creditEntry.count({ where: { memberId: m.user.memberId! } })).toBe(0);
  });

  it('without a credit the booking is refused with no_credits, nothing written but the key, and the coach is told once', async () => {
    const m = await newMember();
    const before = await counts(db);
    const first = await failure(book(m, slot(1)));
    expect(first).toMatchObject({ code: 'no_credits', status: 409 });
    await failure(book(m, slot(2)));
    const after = await counts(db);
    expect({ ...after, keys: before.keys, notifications: before.notifications }).toEqual(before);
    const told = await db.notification.findMany({ where: { userId: coach.user.id, type: 'credits.exhausted' } });
    expect(told.filter((n) => (n.payload as { memberId: string }).memberId === m.user.memberId)).toHaveLength(1);
    // A new grant that runs out tells the coach again.
    await grant(m, 1);
    await book(m, slot(3));
    await failure(book(m, slot(4)));
    const again = await db.notification.findMany({ where: { userId: coach.user.id, type: 'credits.exhausted' } });
    expect(again.filter((n) => (n.payload as { memberId: string }).memberId === m.user.memberId)).toHaveLength(2);
  });

  it('a booking reserves one credit, the oldest grant first; the same key again reserves nothing more', async () => {
    const m = await newMember();
    await grant(m, 1, 30);
    clock.set(new Date(TEST_EPOCH.getTime() + HOUR));
    await grant(m, 2);
    clock.set(TEST_EPOCH);
    const k = key();
    const request = { memberId: m.user.memberId!, coachId: coach.user.id, startsAt: slot(1).toISOString(), duration: 60 };
    const b = await core.bookings.create(m.actor, request, k);
    await core.bookings.create(m.actor, request, k);
    const l = await ledger(m);
    expect(l).toMatchObject({ balance: 2, available: 2, reserved: 1 });
    const reserve = l.entries.find((e) => e.kind === 'reserve')!;
    const oldest = l.entries.find((e) => e.kind === 'grant' && e.amount === 1)!;
    expect(reserve).toMatchObject({ sessionId: b.sessionId, grantId: oldest.id, amount: -1 });
  });
});

describe('ending and cancelling', () => {
  async function booked(hoursAhead = 48) {
    const m = await newMember();
    await grant(m, 2);
    const b = await book(m, new Date(TEST_EPOCH.getTime() + hoursAhead * HOUR));
    return { m, b, sessionId: b.sessionId! };
  }
  const kinds = async (m: Person) => (await ledger(m)).entries.map((e) => e.kind).reverse();

  it('a cancellation before the cut-off releases the credit and is not late', async () => {
    const { m, sessionId } = await booked(48);
    await core.sessions.cancel(m.actor, sessionId, {});
    expect(await kinds(m)).toEqual(['grant', 'reserve', 'release']);
    expect((await ledger(m)).available).toBe(2);
    expect((await db.session.findUniqueOrThrow({ where: { id: sessionId } })).cancelledLate).toBe(false);
  });

  it("a member's cancellation after the cut-off is late and consumes the credit; the session says so beforehand", async () => {
    const { m, b, sessionId } = await booked(48);
    const view = await core.sessions.get(m.actor, sessionId);
    expect(view.cancellation).toEqual({ cutoffAt: new Date(b.slotStartsAt.getTime() - 24 * HOUR), consumesCredit: true });
    await at(new Date(b.slotStartsAt.getTime() - 23 * HOUR), () => core.bookings.cancel(m.actor, b.id));
    expect(await kinds(m)).toEqual(['grant', 'reserve', 'consume']);
    expect((await ledger(m)).available).toBe(1);
    expect((await db.session.findUniqueOrThrow({ where: { id: sessionId } })).cancelledLate).toBe(true);
  });

  it('with lateCancelConsumes off a late cancellation is recorded late and releases; the coach cancelling late releases and is not late', async () => {
    await core.coaches.updateProfile(coach.actor, coach.user.id, { lateCancelConsumes: false });
    try {
      const { m, b, sessionId } = await booked(48);
      await at(new Date(b.slotStartsAt.getTime() - HOUR * 2), () => core.sessions.cancel(m.actor, sessionId, {}));
      expect(await kinds(m)).toEqual(['grant', 'reserve', 'release']);
      expect((await db.session.findUniqueOrThrow({ where: { id: sessionId } })).cancelledLate).toBe(true);
    } finally {
      await core.coaches.updateProfile(coach.actor, coach.user.id, { lateCancelConsumes: true });
    }
    const { m, b, sessionId } = await booked(48);
    await at(new Date(b.slotStartsAt.getTime() - HOUR * 2), () => core.sessions.cancel(coach.actor, sessionId, {}));
    expect(await kinds(m)).toEqual(['grant', 'reserve', 'release']);
    expect((await db.session.findUniqueOrThrow({ where: { id: sessionId } })).cancelledLate).toBe(false);
  });

  it('the cut-off applies to a coach without credits: a late cancellation is recorded as such', async () => {
    const m = await newMember(freeCoach);
    const b = await book(m, new Date(TEST_EPOCH.getTime() + 6 * HOUR), freeCoach);
    await core.bookings.cancel(m.actor, b.id);
    expect((await db.session.findUniqueOrThrow({ where: { id: b.sessionId! } })).cancelledLate).toBe(true);
    expect(await db.creditEntry.count({ where: { memberId: m.user.memberId! } })).toBe(0);
  });

  it('a reschedule keeps its reservation', async () => {
    const { m, b, sessionId } = await booked(48);
    await core.sessions.reschedule(m.actor, sessionId, { scheduledAt: new Date(b.slotStartsAt.getTime() + DAY) });
    expect(await kinds(m)).toEqual(['grant', 'reserve']);
  });

  it('completion consumes; a member no-show consumes (noShowConsumes); a coach no-show releases', async () => {
    const done = await booked(48);
    await at(new Date(done.b.slotStartsAt.getTime() + HOUR), () => core.sessions.complete(coach.actor, done.sessionId, { coachNotes: 'done' }));
    expect(await kinds(done.m)).toEqual(['grant', 'reserve', 'consume']);
    const missed = await booked(48);
    await at(new Date(missed.b.slotStartsAt.getTime() + HOUR), () => core.sessions.markNoShow(coach.actor, missed.sessionId, { party: 'member' }));
    expect(await kinds(missed.m)).toEqual(['grant', 'reserve', 'consume']);
    const coachMissed = await booked(48);
    await at(new Date(coachMissed.b.slotStartsAt.getTime() + HOUR), () => core.sessions.markNoShow(coach.actor, coachMissed.sessionId, { party: 'coach' }));
    expect(await kinds(coachMissed.m)).toEqual(['grant', 'reserve', 'release']);
    await core.coaches.updateProfile(coach.actor, coach.user.id, { noShowConsumes: false });
    try {
      const forgiven = await booked(48);
      await at(new Date(forgiven.b.slotStartsAt.getTime() + HOUR), () => core.sessions.markNoShow(coach.actor, forgiven.sessionId, { party: 'member' }));
      expect(await kinds(forgiven.m)).toEqual(['grant', 'reserve', 'release']);
    } finally {
      await core.coaches.updateProfile(coach.actor, coach.user.id, { noShowConsumes: true });
    }
  });
});

describe('expiry', () => {
  it('the tick expires what is left of a grant past its validity; a credit released later expires at the next tick', async () => {
    const m = await newMember();
    await grant(m, 3, 5);
    const b = await book(m, slot(2));
    const afterExpiry = new Date(TEST_EPOCH.getTime() + 6 * DAY);
    // Before its validity ends nothing expires.
    expect(await at(new Date(TEST_EPOCH.getTime() + 4 * DAY), () => core.credits.expireDue())).toBe(0);
    await at(afterExpiry, () => core.credits.expireDue());
    let l = await ledger(m);
    expect(l).toMatchObject({ balance: 0, available: 0 });
    expect(l.entries[0]).toMatchObject({ kind: 'expire', amount: -2 });
    // Twice is once.
    expect(await at(afterExpiry, () => core.credits.expireDue())).toBe(0);
    await core.bookings.cancel(admin.actor, b.id);
    expect((await ledger(m)).balance).toBe(1);
    await at(afterExpiry, () => core.credits.expireDue());
    l = await ledger(m);
    expect(l.balance).toBe(0);
    expect(l.entries.filter((e) => e.kind === 'expire').map((e) => e.amount)).toEqual([-1, -2]);
  });
});

describe('the ledger over any sequence of changes', () => {
  type Op =
    | { op: 'grant'; count: number; validityDays: number | undefined }
    | { op: 'book'; day: number }
    | { op: 'cancel'; which: number; late: boolean; byMember: boolean }
    | { op: 'end'; which: number; how: 'complete' | 'member' | 'coach' }
    | { op: 'reschedule'; which: number }
    | { op: 'expire'; days: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('grant' as const), count: fc.integer({ min: 1, max: 3 }), validityDays: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }) }),
    { arbitrary: fc.record({ op: fc.constant('book' as const), day: fc.integer({ min: 1, max: 20 }) }), weight: 4 },
    fc.record({ op: fc.constant('cancel' as const), which: fc.nat(), late: fc.boolean(), byMember: fc.boolean() }),
    fc.record({ op: fc.constant('end' as const), which: fc.nat(), how: fc.constantFrom('complete' as const, 'member' as const, 'coach' as const) }),
    fc.record({ op: fc.constant('reschedule' as const), which: fc.nat() }),
    fc.record({ op: fc.constant('expire' as const), days: fc.integer({ min: 1, max: 25 }) }),
  ).map((o) => o as Op);

  it('balance = sum of the ledger and never negative; every booking has exactly one reserve and at most one release or consume', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 8 }), async (ops) => {
        clock.set(TEST_EPOCH);
        const m = await newMember();
        await grant(m, 2, 10);
        const sessions: { id: string; at: Date }[] = [];
        const pick = (n: number) => (sessions.length ? sessions[n % sessions.length]! : undefined);
        const tolerate = (p: Promise<unknown>) => p.catch((e: { status?: number }) => {
          if (!e.status || e.status >= 500) throw e;
        });
        for (const o of ops) {
          if (o.op === 'grant') await grant(m, o.count, o.validityDays);
          if (o.op === 'book') {
            const b = await book(m, slot(o.day)).catch((e: { code?: string }) => {
              if (e.code === 'no_credits' || e.code === 'already_booked') return null;
              throw e;
            });
            if (b) sessions.push({ id: b.sessionId!, at: b.slotStartsAt });
          }
          const s = 'which' in o ? pick(o.which) : undefined;
          if (o.op === 'cancel' && s) {
            const when = o.late ? new Date(s.at.getTime() - 2 * HOUR) : TEST_EPOCH;
            await at(when, () => tolerate(core.sessions.cancel(o.byMember ? m.actor : coach.actor, s.id, {})));
          }
          if (o.op === 'end' && s) {
            const end = () => (o.how === 'complete' ? core.sessions.complete(coach.actor, s.id, { coachNotes: 'done' }) : core.sessions.markNoShow(coach.actor, s.id, { party: o.how }));
            await at(new Date(s.at.getTime() + HOUR), () => tolerate(end()));
          }
          if (o.op === 'reschedule' && s) await tolerate(core.sessions.reschedule(m.actor, s.id, { scheduledAt: new Date(s.at.getTime() + HOUR) }));
          if (o.op === 'expire') await at(new Date(TEST_EPOCH.getTime() + o.days * DAY), () => core.credits.expireDue());
        }
        const entries = await db.creditEntry.findMany({ where: { memberId: m.user.memberId! } });
        const l = await ledger(m);
        expect(l.balance).toBe(entries.reduce((sum, e) => sum + e.amount, 0));
        expect(l.balance).toBeGreaterThanOrEqual(0);
        // No grant is ever drawn below zero.
        for (const g of entries.filter((e) => e.id === e.grantId)) {
          expect(entries.filter((e) => e.grantId === g.id).reduce((sum, e) => sum + e.amount, 0)).toBeGreaterThanOrEqual(0);
        }
        const made = await db.session.findMany({ where: { memberId: m.user.memberId! } });
        for (const s of made) {
          expect(entries.filter((e) => e.kind === 'reserve' && e.sessionId === s.id)).toHaveLength(1);
          const settled = entries.filter((e) => (e.kind === 'release' || e.kind === 'consume') && e.sessionId === s.id);
          expect(settled.length).toBe(s.status === 'scheduled' ? 0 : 1);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('sessions made by hand', () => {
  it('a session of a coach who requires credits reserves one too, and is refused without one', async () => {
    const m = await newMember();
    const make = () => core.sessions.create(coach.actor, { memberId: m.user.memberId!, coachId: coach.user.id, scheduledAt: slot(5), duration: 60, type: 'regular' });
    expect((await failure(make())).code).toBe('no_credits');
    await grant(m, 1);
    const s = await make();
    expect((await ledger(m)).entries.find((e) => e.kind === 'reserve')?.sessionId).toBe(s.id);
  });
});

describe('a weekly series with a coach who requires credits', () => {
  it('reserves one credit per occurrence it books, and is refused whole with no_credits when they do not all fit', async () => {
    const m = await newMember();
    await grant(m, 3);
    const series = (count: number) => core.bookingSeries.create(m.actor, { coachId: coach.user.id, startsAt: slot(1, 14), count }, key());
    expect((await failure(series(4))).code).toBe('no_credits');
    expect(await db.session.count({ where: { memberId: m.user.memberId! } })).toBe(0);
    await series(3);
    const l = await ledger(m);
    expect(l).toMatchObject({ available: 0, reserved: 3 });
    const sessions = await db.session.findMany({ where: { memberId: m.user.memberId! } });
    expect(new Set(l.entries.filter((e) => e.kind === 'reserve').map((e) => e.sessionId))).toEqual(new Set(sessions.map((s) => s.id)));
  });
});
