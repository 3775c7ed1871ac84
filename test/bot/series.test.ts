import { describe, expect, it } from 'vitest';
import { drawSessionCard } from '../../src/bot/features/coach.ts';
import { actionsOf, coachWithHours, linkedMember, setupBot, viewText } from './harness.ts';

// "Every week" from the booking confirmation (docs/design.md §9), as sequences of chat steps: the
// booked session becomes the first of a weekly series, the answer lists every occurrence booked or
// why not, a second tap books nothing more, and other members' open pickers are redrawn.

const h = await setupBot();
const ZONE = 'America/New_York';

async function bookTuesdayNine(chatter: Awaited<ReturnType<typeof linkedMember>>['chatter']) {
  await chatter.command('book');
  await chatter.click('Tue 8 Jan');
  await chatter.click('09:00');
  await chatter.click('Confirm booking');
}

describe('every week, from the booking confirmation', () => {
  it('offers 4 / 8 / 12 sessions; 12 makes the booked session the first of 12 at 09:00 New York time across the spring change', async () => {
    const coach = await coachWithHours(h, { coachTimezone: ZONE, windows: [{ dayOfWeek: 2, startTime: '09:00', endTime: '11:00', maxSessionsPerSlot: 2 }] });
    const { member, chatter } = await linkedMember(h, coach.id, { timezone: ZONE });
    await bookTuesdayNine(chatter);
    expect(chatter.text()).toContain('Booked');
    expect(actionsOf(chatter.last!.view).map((a) => a.label)).toEqual(expect.arrayContaining(['Every week: 4 sessions', '8 sessions', '12 sessions']));
    const [booked] = await h.db.session.findMany({ where: { memberId: member.memberId! } });

    await chatter.click('12 sessions');
    expect(chatter.text()).toContain('Every week ✓ 12 sessions');
    const sessions = await h.db.session.findMany({ where: { memberId: member.memberId! }, orderBy: { scheduledAt: 'asc' } });
    expect(sessions).toHaveLength(12);
    expect(sessions[0]!.id).toBe(booked!.id);
    expect(new Set(sessions.map((s) => s.seriesId)).size).toBe(1);
    // 09:00 EST is 14:00Z; from 10 March, 09:00 EDT is 13:00Z.
    expect(sessions.map((s) => s.scheduledAt.toISOString().slice(11, 16))).toEqual([...Array<string>(9).fill('14:00'), '13:00', '13:00', '13:00']);
    for (let i = 1; i <= 12; i++) expect(chatter.text()).toMatch(new RegExp(`✓ ${i}\\. .*09:00`));

    // The coach's card of the third says where it stands.
    const third = await h.core.sessions.get(coach.actor, sessions[2]!.id);
    const card = viewText(drawSessionCard({ ...({} as Parameters<typeof drawSessionCard>[0]), zone: ZONE, now: h.clock.now(), act: (...parts: string[]) => parts.join('.') } as never, third));
    expect(card).toContain('Weekly, 3 of 12');
  });

  it('a week whose slot is full is listed with why; tapping again, or another count, books nothing more', async () => {
    const coach = await coachWithHours(h, { coachTimezone: ZONE, windows: [{ dayOfWeek: 2, startTime: '09:00', endTime: '11:00', maxSessionsPerSlot: 1 }] });
    const other = await linkedMember(h, coach.id, { timezone: ZONE });
    await h.core.bookings.create(await h.core.access.actorFor(other.member.id), { memberId: other.member.memberId!, coachId: coach.id, startsAt: new Date('2030-01-22T14:00:00Z') }, 'other');
    const { member, chatter } = await linkedMember(h, coach.id, { timezone: ZONE });
    await bookTuesdayNine(chatter);
    const confirmation = chatter.last!;
    await chatter.click('Every week: 4 sessions', confirmation);
    expect(chatter.text()).toContain('Every week: 3 of 4 booked');
    expect(chatter.text()).toMatch(/✗ 3\. .*: full/);
    const count = () => h.db.session.count({ where: { memberId: member.memberId!, status: 'scheduled' } });
    expect(await count()).toBe(3);
    await chatter.click('Every week: 4 sessions', confirmation);
    await chatter.click('12 sessions', confirmation);
    expect(chatter.text()).toContain('Every week: 3 of 4 booked');
    expect(await count()).toBe(3);
    expect(await h.db.bookingSeries.count({ where: { memberId: member.memberId! } })).toBe(1);
  });

  it("redraws another member's open slot picker for a later week with the seat it took", async () => {
    const coach = await coachWithHours(h, { coachTimezone: ZONE, windows: [{ dayOfWeek: 2, startTime: '09:00', endTime: '10:00', maxSessionsPerSlot: 2 }] });
    const b = await linkedMember(h, coach.id, { timezone: ZONE });
    await b.chatter.command('book');
    await b.chatter.click('Tue 15 Jan');
    const picker = b.chatter.last!.ref;
    expect(b.chatter.text()).toContain('09:00 · 2 left');
    const a = await linkedMember(h, coach.id, { timezone: ZONE });
    await bookTuesdayNine(a.chatter);
    await a.chatter.click('Every week: 4 sessions');
    const edits = h.port.edits.filter((e) => e.message.messageId === picker.messageId);
    expect(edits.length).toBeGreaterThan(0);
    expect(viewText(edits.at(-1)!.view)).toContain('09:00 · 1 left');
  });
});
