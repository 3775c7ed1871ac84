import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderMessage as renderDiscord } from '../../src/adapters/discord/render.ts';
import { renderMessage as renderSlack } from '../../src/adapters/slack/render.ts';
import { renderView as renderTelegram } from '../../src/adapters/telegram/render.ts';
import { renderView as renderWeb } from '../../src/adapters/web/render.ts';
import { createActionSigner } from '../../src/bot/actions.ts';
import type { Viewer } from '../../src/bot/context.ts';
import { lastTimeBlocks } from '../../src/bot/continuity.ts';
import { drawSessionCard } from '../../src/bot/features/coach.ts';
import { drawMySessions, drawNext, drawRateList } from '../../src/bot/features/member.ts';
import { drawNotice } from '../../src/bot/presenter.ts';
import { screen } from '../../src/bot/ui.ts';
import type { View } from '../../src/bot/view.ts';
import type { Actor } from '../../src/core/access/index.ts';
import { viewLastTime, viewSession, type SessionRecord } from '../../src/core/sessions/index.ts';

// Feature: coaching-platform, Property 21: Coach Notes Visibility
// On every surface: every view model that shows a session (the member's lists, /next with "Last time:", the rating list, every
// notice and reminder the jobs deliver, a session card), drawn for the session's member from what
// core answers them, carries no private coach note of the session or of the one before it, in the
// view or as Slack, Discord, Telegram and the playground render it. The member's screens do not
// show one even if handed the coach's copy (a second line of defence), while the coach's card does
// (so the test can fail).

const RUNS = { numRuns: 100 };
const signer = createActionSigner('privacy-property-secret');
const NOTE = 'PRIVATENOTE';

const hostile = fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), fc.constantFrom('<b>x</b>', '"\'&;--', '🙂'.repeat(30), 'a\n'.repeat(20)));
const instant = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2034-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => new Date(Math.floor(d.getTime() / 60_000) * 60_000));
const status = fc.constantFrom('scheduled', 'completed', 'cancelled', 'no_show') as fc.Arbitrary<SessionRecord['status']>;

const memberUserId = randomUUID();
const coachId = randomUUID();
const member: Actor = { userId: memberUserId, role: 'Member', permissions: new Set(['sessions:read', 'bookings:write']) };
const coach: Actor = { userId: coachId, role: 'Coach', permissions: new Set(['sessions:read', 'sessions:write']) };

/** A session of this member and coach whose private note is a marker no other data can contain. */
const record: fc.Arbitrary<SessionRecord> = fc
  .record({
    at: instant,
    status,
    duration: fc.integer({ min: 15, max: 240 }),
    names: fc.tuple(hostile, hostile),
    outcomes: fc.option(hostile, { nil: null }),
    memberNotes: fc.option(hostile, { nil: null }),
    rating: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    feedback: fc.option(hostile, { nil: null }),
    commitments: fc.array(fc.record({ text: hostile, due: fc.option(fc.constantFrom('2030-01-20'), { nil: null }), done: fc.boolean() }), { maxLength: 10 }),
  })
  .map((r) => {
    const id = randomUUID();
    return {
      id,
      calendarEventId: randomUUID(),
      memberId: randomUUID(),
      memberUserId,
      memberCoachId: coachId,
      coachId,
      type: 'regular',
      status: r.status,
      duration: r.duration,
      scheduledAt: r.at,
      coachNotes: `${NOTE}-${id}`,
      memberNotes: r.memberNotes,
      outcomes: r.outcomes,
      rating: r.rating,
      ratingFeedback: r.feedback,
      ratedAt: null,
      completedAt: null,
      cancelledAt: null,
      cancellationReason: null,
      cancelledById: null,
      noShowParty: null,
      cancelledLate: false,
      cancellation: { cutoffAt: new Date(r.at.getTime() - 86_400_000), consumesCredit: false },
      createdAt: r.at,
      updatedAt: r.at,
      memberName: r.names[0],
      coachName: r.names[1],
      groupConversationId: null,
      series: null,
      commitments: r.commitments.map((c) => ({ id: randomUUID(), text: c.text, dueDate: c.due, doneAt: c.done ? r.at : null })),
    };
  });

function viewerOf(actor: Actor, now: Date, zone: string): Viewer {
  return {
    zone,
    now,
    actor,
    account: { userId: actor.userId, name: 'x', role: actor.role, isActive: true, timezone: zone, memberId: actor.role === 'Member' ? randomUUID() : null, coachId: actor.role === 'Member' ? coachId : null },
    act: (verb: string, ...args: string[]) => signer.sign(`u:${actor.userId}`, verb, args, now),
  } as unknown as Viewer;
}

const NOTICE_TYPES = ['booking.confirmed', 'booking.rejected', 'booking.cancelled', 'session.created', 'session.rescheduled', 'session.completed', 'session.cancelled', 'session.no_show', 'session.reminder', 'session.rate_prompt', 'session.complete_prompt', 'member.assigned', 'chat.unreachable'];

/** A view as each surface sends it: the model, and Slack's, Discord's, Telegram's and the playground's payloads. */
function everySurface(view: View): string[] {
  return [JSON.stringify(view), JSON.stringify(renderSlack(view)), JSON.stringify(renderDiscord(view)), JSON.stringify(renderTelegram(view)), renderWeb(view)];
}

const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'Pacific/Chatham');

describe('Property 21 on every surface: a member never sees a private coach note', () => {
  it('every view that shows a session, drawn for its member from what core answers them, and rendered for every platform', () => {
    fc.assert(
      fc.property(fc.uniqueArray(record, { minLength: 2, maxLength: 6, selector: (s) => s.id }), instant, zone, (records, now, z) => {
        const v = viewerOf(member, now, z);
        const sessions = records.map((r) => viewSession(member, r));
        const [current, previous] = [records[0]!, records[1]!];
        const last = viewLastTime(member, previous);
        const views: View[] = [
          drawMySessions(v, sessions),
          drawNext(v, { memberId: randomUUID(), nextSession: sessions[0]!, upcomingSessions: sessions.slice(0, 3), attendance: null }, last),
          drawRateList(v, sessions),
          drawSessionCard(v, sessions[0]!, last),
          screen('last', lastTimeBlocks(v, last, { forCoach: true, doneButtons: true })),
          ...NOTICE_TYPES.map((type) => drawNotice(v, { id: randomUUID(), userId: memberUserId, type, payload: { sessionId: current.id, minutesBefore: 60, reason: 'r' } }, sessions[0]!, last)),
        ];
        for (const view of views) {
          for (const sent of everySurface(view)) expect(sent).not.toContain(NOTE);
        }
      }),
      RUNS,
    );
  });

  it("a member's screens leave private notes out even when handed the coach's copy; the coach's card shows them", () => {
    fc.assert(
      fc.property(record, record, instant, zone, (current, previous, now, z) => {
        const coachCopy = viewSession(coach, current);
        const coachLast = viewLastTime(coach, previous);
        // The coach's own copy does carry the notes: what the member's screens must leave out.
        expect(JSON.stringify(drawSessionCard(viewerOf(coach, now, z), coachCopy, coachLast))).toContain(`${NOTE}-${current.id}`);
        expect(JSON.stringify(screen('last', lastTimeBlocks(viewerOf(coach, now, z), coachLast, { forCoach: true })))).toContain(`${NOTE}-${previous.id}`);
        const v = viewerOf(member, now, z);
        const views: View[] = [
          drawNext(v, { memberId: randomUUID(), nextSession: coachCopy, upcomingSessions: [coachCopy], attendance: null }, coachLast),
          screen('last', lastTimeBlocks(v, coachLast, { forCoach: false, doneButtons: true })),
          ...NOTICE_TYPES.map((type) => drawNotice(v, { id: randomUUID(), userId: memberUserId, type, payload: { sessionId: current.id, minutesBefore: 60 } }, coachCopy, coachLast)),
        ];
        for (const view of views) {
          for (const sent of everySurface(view)) expect(sent).not.toContain(NOTE);
        }
      }),
      RUNS,
    );
  });
});
