import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActionSigner } from '../../src/bot/actions.ts';
import { checkForm, checkView } from '../../src/bot/check.ts';
import type { Viewer } from '../../src/bot/context.ts';
import { drawGrid } from '../../src/bot/features/availability.ts';
import { bookedView, drawConfirm, drawDayPicker, drawSlotPicker, drawWeekly } from '../../src/bot/features/book.ts';
import { drawSessionCard, drawToday } from '../../src/bot/features/coach.ts';
import { drawMySessions, drawNext, drawProfile, drawRateList } from '../../src/bot/features/member.ts';
import { drawMemberDetail, drawMemberList } from '../../src/bot/features/members.ts';
import { drawSeriesChoice, drawSeriesConfirm } from '../../src/bot/features/series-cancel.ts';
import { drawCoachPicker } from '../../src/bot/features/signup.ts';
import { localDayNumber } from '../../src/bot/format.ts';
import { drawWaitlist } from '../../src/bot/features/waitlist.ts';
import { drawOffer } from '../../src/bot/offer.ts';
import { drawNotice } from '../../src/bot/presenter.ts';
import { WAITLIST_STATUSES, type WaitlistEntryView } from '../../src/core/waitlist/index.ts';
import { form, input } from '../../src/bot/ui.ts';
import type { View } from '../../src/bot/view.ts';
import type { SessionView } from '../../src/core/sessions/index.ts';

// Every screen, drawn from random data (hostile and huge strings, many slots, many sessions, zones
// with odd offsets and DST), must fit the limits of Slack, Discord and Telegram at once (LIMITS).

const RUNS = { numRuns: 100 };
/** Credits and rates of some size, to draw the balance and rate lines at their longest too. */
const credits = (n: number) => ({ requiresCredits: n % 2 === 0, available: n * 40, total: n * 41, until: n % 3 ? new Date(2030, 2, 3) : null });
const rates = (n: number) => ({ since: new Date(0), sessions: n * 1000, lateCancellations: n * 333, noShows: n * 17, lateCancellationRate: null, noShowRate: null });
const signer = createActionSigner('property-test-secret');

const hostile = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }),
  fc.string({ minLength: 1, maxLength: 6000, unit: 'grapheme' }),
  fc.constantFrom('<img src=x onerror=alert(1)>', '</p><script>alert(1)</script>', '"\'&;--', '\u202eevil', '🙂'.repeat(400), 'a\n'.repeat(900), '​'),
);
const optionalText = fc.option(hostile, { nil: null });
const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns');
const instant = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2034-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => new Date(Math.floor(d.getTime() / 60_000) * 60_000));
const id = fc.uuid({ version: 4 });
const status = fc.constantFrom('scheduled', 'completed', 'cancelled', 'no_show') as fc.Arbitrary<SessionView['status']>;

const session: fc.Arbitrary<SessionView> = fc.record({
  id,
  at: instant,
  duration: fc.integer({ min: 5, max: 480 }),
  status,
  memberName: hostile,
  coachName: hostile,
  coachNotes: optionalText,
  memberNotes: optionalText,
  outcomes: optionalText,
  rating: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
  ratingFeedback: optionalText,
  cancellationReason: optionalText,
  commitments: fc.array(fc.record({ id, text: hostile, dueDate: fc.option(fc.constantFrom('2026-12-20', '2199-12-31'), { nil: null }), done: fc.boolean() }), { maxLength: 10 }),
  series: fc.option(fc.record({ position: fc.integer({ min: 1, max: 26 }), count: fc.integer({ min: 2, max: 26 }) }), { nil: null }),
}).map((r) => ({
  id: r.id,
  calendarEventId: randomUUID(),
  memberId: randomUUID(),
  coachId: randomUUID(),
  memberUserId: randomUUID(),
  memberCoachId: null,
  type: 'regular',
  status: r.status,
  duration: r.duration,
  scheduledAt: r.at,
  endsAt: new Date(r.at.getTime() + r.duration * 60_000),
  cancelledLate: false,
  cancellation: { cutoffAt: new Date(r.at.getTime() - 86_400_000), consumesCredit: r.duration % 2 === 0 },
  coachNotes: r.coachNotes,
  memberNotes: r.memberNotes,
  outcomes: r.outcomes,
  rating: r.rating,
  ratingFeedback: r.ratingFeedback,
  ratedAt: null,
  completedAt: null,
  cancelledAt: null,
  cancellationReason: r.cancellationReason,
  cancelledById: null,
  noShowParty: r.status === 'no_show' ? 'member' : null,
  createdAt: r.at,
  updatedAt: r.at,
  memberName: r.memberName,
  coachName: r.coachName,
  groupConversationId: null,
  commitments: r.commitments.map((c) => ({ id: c.id, text: c.text, dueDate: c.dueDate, doneAt: c.done ? r.at : null })),
  series: r.series && { id: randomUUID(), ...r.series },
}));

const viewer = fc.record({ zone, now: instant, role: fc.constantFrom('Member', 'Coach', 'Admin') }).map(({ zone, now, role }): Viewer => {
  const subject = `u:${randomUUID()}`;
  return {
    zone,
    now,
    account: { userId: randomUUID(), name: 'x', role, isActive: true, timezone: zone, memberId: randomUUID(), coachId: randomUUID() },
    act: (verb: string, ...args: string[]) => signer.sign(subject, verb, args, now),
  } as unknown as Viewer;
});

const pick = fc.option(id, { nil: undefined }).map((sessionId) => (sessionId ? { sessionId } : {}));

function fits(view: View) {
  expect(checkView(view)).toEqual([]);
}

describe('every view fits the limits of all three platforms, whatever the data', () => {
  it('booking: day picker, slot picker (many slots), confirm, confirmation', () => {
    fc.assert(
      fc.property(viewer, pick, hostile, fc.uniqueArray(fc.tuple(fc.integer({ min: 19_000, max: 26_000 }), fc.integer({ min: 1, max: 500 })), { maxLength: 40, selector: ([day]) => day }), fc.uniqueArray(fc.record({ at: instant, seats: fc.integer({ min: 1, max: 100 }) }), { maxLength: 120, selector: (s) => s.at.getTime() }), fc.nat(10), fc.option(hostile, { nil: undefined }), (v, p, coachName, days, slots, page, note) => {
        fits(drawDayPicker(v, p, coachName, days, note));
        const day = localDayNumber(v.now, v.zone);
        // Full times too, in each state of the member's place on their waitlist.
        const states = [undefined, 'join', 'waiting', 'offered'] as const;
        const listed = slots.map((s, i) => ({ startsAt: s.at.toISOString(), availableCapacity: i % 3 === 0 ? 0 : s.seats, waitlist: i % 3 === 0 ? states[i % 4] : undefined }));
        fits(drawSlotPicker(v, p, { day, page, coachName, slots: listed }, note));
        fits(drawConfirm(v, p, slots[0]?.at ?? v.now, coachName, 3));
        fits(bookedView(v, v.now, coachName, Boolean(p.sessionId), undefined, credits(coachName.length)));
        fits(bookedView(v, v.now, coachName, false, randomUUID(), credits(coachName.length + 1)));
      }),
      RUNS,
    );
  });

  it('every week: the answer listing up to 26 occurrences, booked or why not', () => {
    const reason = fc.constantFrom('slot_full', 'slot_unavailable', 'nonexistent_time', 'booking_too_far_ahead', 'outside_availability', 'invalid_state', null);
    const occurrence = fc.record({ at: instant, status: fc.constantFrom('booked', 'unavailable', 'withheld'), reason, moved: fc.option(instant, { nil: null }) });
    fc.assert(
      fc.property(viewer, hostile, fc.array(occurrence, { minLength: 2, maxLength: 26 }), fc.integer({ min: 5, max: 480 }), (v, coachName, list, duration) => {
        const occurrences = list.map((o, i) => ({
          position: i + 1,
          date: o.at.toISOString().slice(0, 10),
          time: o.at.toISOString().slice(11, 16),
          startsAt: o.status === 'unavailable' && o.reason === 'nonexistent_time' ? null : o.at.toISOString(),
          status: o.status,
          reason: o.status === 'unavailable' ? o.reason : null,
          session: o.status === 'booked' ? { id: randomUUID(), status: 'scheduled' as const, scheduledAt: o.moved ?? o.at, bookingId: null } : null,
        })) as Parameters<typeof drawWeekly>[1]['occurrences'];
        fits(drawWeekly(v, { booked: occurrences.filter((o) => o.status === 'booked').length, count: occurrences.length, duration, occurrences }, coachName));
      }),
      RUNS,
    );
  });

  it('cancelling a series session: the choice and the confirmation listing up to 26 dates, for the member and the coach', () => {
    fc.assert(
      fc.property(viewer, session, fc.array(instant, { maxLength: 26 }), fc.boolean(), (v, s, later, byMember) => {
        const c = { session: s, byMember, later: later.map((scheduledAt) => ({ id: randomUUID(), scheduledAt })) };
        fits(drawSeriesChoice(v, c));
        fits(drawSeriesConfirm(v, c));
      }),
      RUNS,
    );
  });

  it('member: my sessions, next, profile, rate list', () => {
    fc.assert(
      fc.property(viewer, fc.uniqueArray(session, { maxLength: 12, selector: (s) => s.id }), hostile, optionalText, fc.option(hostile, { nil: undefined }), (v, sessions, name, goals, note) => {
        fits(drawMySessions(v, sessions, note));
        fits(drawNext(v, { memberId: randomUUID(), nextSession: sessions[0] ?? null, upcomingSessions: sessions.slice(0, 3), attendance: null }, null, credits(sessions.length)));
        fits(drawProfile(v, { membershipStatus: 'active', goals, user: { name, timezone: v.zone }, coach: sessions[0] ? { name: sessions[0].coachName } : null }));
        fits(drawRateList(v, sessions));
      }),
      RUNS,
    );
  });

  it('coach: today and the week, session cards, members, member detail, availability grid', () => {
    fc.assert(
      fc.property(viewer, fc.uniqueArray(session, { maxLength: 40, selector: (s) => s.id }), fc.uniqueArray(fc.record({ id, name: hostile }), { maxLength: 12, selector: (p) => p.id }), optionalText, fc.option(hostile, { nil: undefined }), (v, sessions, people, notes, search) => {
        fits(drawToday(v, { coachId: randomUUID(), timezone: v.zone, todaysSessions: sessions.slice(0, 8), weekSessions: sessions, upcomingSessions: sessions.slice(0, 5), activeMemberCount: people.length, averageRating: 4.5, ratingCount: 2, attendance: rates(sessions.length) }));
        const waiting = new Map(sessions.map((s, i) => [`${new Date(s.scheduledAt).getTime()}/${s.duration}`, i * 1000]));
        fits(drawToday(v, { coachId: randomUUID(), timezone: v.zone, todaysSessions: sessions.slice(0, 8), weekSessions: sessions, upcomingSessions: sessions.slice(0, 5), activeMemberCount: people.length, averageRating: 4.5, ratingCount: 2, attendance: rates(sessions.length) }, waiting));
        for (const [i, s] of sessions.slice(0, 5).entries()) fits(drawSessionCard(v, s, null, i * 1000));
        const listed = people.map((p) => ({ id: p.id, membershipStatus: 'active' as const, user: { name: p.name } }));
        fits(drawMemberList(v, search, { items: listed.slice(0, 10), nextCursor: listed[0]?.id ?? null }));
        fits(drawMemberDetail(v, { id: randomUUID(), membershipStatus: 'active', onboardingStatus: 'pending', goals: notes, coachNotes: notes, user: { name: people[0]?.name ?? 'x', timezone: v.zone } }, sessions, { credits: credits(people.length), attendance: rates(sessions.length), note: search }));
        const windows = sessions.map((s, i) => ({ id: s.id, dayOfWeek: i % 7, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: (i % 100) + 1, bufferMinutes: i, isActive: i % 3 !== 0 }));
        fits(drawGrid(v, windows, v.zone, search));
      }),
      RUNS,
    );
  });

  it('signup coach picker and every notice the jobs deliver', () => {
    const types = ['booking.confirmed', 'booking.rejected', 'booking.cancelled', 'session.created', 'session.rescheduled', 'session.completed', 'session.cancelled', 'session.no_show', 'session.reminder', 'session.rate_prompt', 'session.complete_prompt', 'member.assigned', 'waitlist.offered', 'waitlist.ended', 'credits.exhausted', 'something.new'];
    fc.assert(
      fc.property(viewer, fc.uniqueArray(fc.record({ id, name: hostile, specialization: optionalText, timezone: zone }), { maxLength: 40, selector: (c) => c.id }), fc.option(session, { nil: null }), hostile, fc.integer({ min: 0, max: 10_000 }), (v, coaches, s, words, minutes) => {
        fits(drawCoachPicker(v, coaches));
        for (const type of types) {
          fits(drawNotice(v, { id: randomUUID(), userId: randomUUID(), type, payload: { sessionId: s?.id, reason: words, message: words, memberName: words, minutesBefore: minutes, slotStartsAt: v.now.toISOString(), party: words, memberId: s?.memberId } }, s, null, null, credits(minutes)));
        }
      }),
      RUNS,
    );
  });

  it('waitlist: the list, and an offer and its notices in every state', () => {
    const entry: fc.Arbitrary<WaitlistEntryView> = fc
      .record({ id, at: instant, status: fc.constantFrom(...WAITLIST_STATUSES), position: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: null }), hold: fc.integer({ min: -120, max: 120 }) })
      .map((r) => ({
        id: r.id,
        coachId: randomUUID(),
        memberId: randomUUID(),
        startsAt: r.at,
        duration: 60,
        status: r.status,
        position: r.position,
        offeredAt: r.at,
        holdUntil: r.status === 'offered' || r.status === 'expired' ? new Date(r.at.getTime() + r.hold * 60_000) : null,
        endedAt: null,
        bookingId: null,
        createdAt: r.at,
      }));
    fc.assert(
      fc.property(viewer, fc.uniqueArray(entry, { maxLength: 60, selector: (e) => e.id }), hostile, fc.option(hostile, { nil: undefined }), (v, entries, coachName, note) => {
        fits(drawWaitlist(v, entries, note));
        // Offers held now, so that every platform gets Claim / Pass rows at once.
        fits(drawWaitlist(v, entries.map((e) => ({ ...e, status: 'offered' as const, holdUntil: new Date(v.now.getTime() + 60_000) })), note));
        for (const e of entries.slice(0, 8)) {
          fits(drawOffer(v, e, coachName, note));
          for (const type of ['waitlist.offered', 'waitlist.ended']) {
            const payload = { entryId: e.id, coachId: e.coachId, startsAt: e.startsAt.toISOString(), duration: e.duration };
            fits(drawNotice(v, { id: randomUUID(), userId: randomUUID(), type, payload }, null, null, { entry: e, coachName }));
            fits(drawNotice(v, { id: randomUUID(), userId: randomUUID(), type, payload }, null, null));
          }
        }
      }),
      RUNS,
    );
  });

  it('forms built from hostile initial values fit a modal on every platform', () => {
    fc.assert(
      fc.property(hostile, hostile, fc.integer({ min: 1, max: 4000 }), (title, initial, maxLength) => {
        const f = form(title, signer.sign('u:x', 'sf', [], new Date()), 'Save', [input('a', title, { initial, maxLength, placeholder: initial }), input('b', 'B', { style: 'paragraph' })]);
        expect(checkForm(f)).toEqual([]);
      }),
      RUNS,
    );
  });
});
