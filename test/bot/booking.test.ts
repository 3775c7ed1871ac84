import { describe, expect, it } from 'vitest';
import { SLOT_FULL_MESSAGE } from '../../src/core/index.ts';
import { actionsOf, coachWithHours, linkedMember, setupBot, viewText } from './harness.ts';

const h = await setupBot();

describe('member booking through the bot', () => {
  it('goes day → slots with seats left → confirm → confirmation, in the member zone with the zone named', async () => {
    const coach = await coachWithHours(h, { windows: [{ dayOfWeek: 2, startTime: '09:00', endTime: '11:00', maxSessionsPerSlot: 2 }] });
    const { member, chatter } = await linkedMember(h, coach.id, { timezone: 'Europe/Berlin' });
    await chatter.command('book');
    expect(chatter.text()).toContain('Europe/Berlin');
    await chatter.click('Tue 8 Jan');
    expect(chatter.text()).toContain('10:00 · 2 left');
    expect(chatter.text()).toContain('11:00 · 2 left');
    await chatter.click('10:00');
    expect(chatter.text()).toContain('Confirm your booking');
    await chatter.click('Confirm booking');
    expect(chatter.text()).toContain('Booked');
    expect(chatter.text()).toContain('10:00–11:00 (Europe/Berlin)');
    const sessions = await h.db.session.findMany({ where: { memberId: member.memberId! } });
    expect(sessions.map((s) => s.scheduledAt.toISOString())).toEqual(['2030-01-08T09:00:00.000Z']);
  });

  it('a full slot clicked by two members at once books one seat and redraws the other picker with the full-slot message', async () => {
    const coach = await coachWithHours(h, { windows: [{ dayOfWeek: 3, startTime: '09:00', endTime: '10:00', maxSessionsPerSlot: 1 }] });
    const a = await linkedMember(h, coach.id);
    const b = await linkedMember(h, coach.id);
    for (const { chatter } of [a, b]) {
      await chatter.command('book');
      await chatter.click('Wed 9 Jan');
      await chatter.click('09:00');
    }
    const [ra, rb] = await Promise.all([a.chatter.click('Confirm booking'), b.chatter.click('Confirm booking')]);
    const texts = [a.chatter.text(), b.chatter.text()];
    expect(texts.filter((t) => t.includes('Booked'))).toHaveLength(1);
    const loser = texts.find((t) => !t.includes('Booked'))!;
    expect(loser).toContain(SLOT_FULL_MESSAGE);
    expect(ra.length + rb.length).toBeGreaterThan(0);
    const count = await h.db.session.count({ where: { coachId: coach.id, status: 'scheduled' } });
    expect(count).toBe(1);
  });

  it('a booking redraws other open slot pickers in place with the seats left', async () => {
    const coach = await coachWithHours(h, { windows: [{ dayOfWeek: 4, startTime: '09:00', endTime: '10:00', maxSessionsPerSlot: 2 }] });
    const a = await linkedMember(h, coach.id);
    const b = await linkedMember(h, coach.id);
    await b.chatter.command('book');
    await b.chatter.click('Thu 10 Jan');
    const pickerRef = b.chatter.last!.ref;
    expect(b.chatter.text()).toContain('09:00 · 2 left');
    await a.chatter.command('book');
    await a.chatter.click('Thu 10 Jan');
    await a.chatter.click('09:00');
    await a.chatter.click('Confirm booking');
    const edited = h.port.edits.filter((e) => e.message.messageId === pickerRef.messageId);
    expect(edited.length).toBeGreaterThan(0);
    expect(viewText(edited.at(-1)!.view)).toContain('09:00 · 1 left');
  });

  it('a redelivered click is answered once: the same effects, one booking', async () => {
    const coach = await coachWithHours(h, { windows: [{ dayOfWeek: 5, startTime: '09:00', endTime: '10:00', maxSessionsPerSlot: 3 }] });
    const { member, chatter } = await linkedMember(h, coach.id);
    await chatter.command('book');
    await chatter.click('Fri 11 Jan');
    await chatter.click('09:00');
    const confirm = actionsOf(chatter.last!.view).find((a) => a.label.includes('Confirm'))!.action;
    const first = await chatter.send({ type: 'action', action: confirm, message: chatter.last!.ref, deliveryId: 'same-delivery' });
    const again = await chatter.send({ type: 'action', action: confirm, message: chatter.last!.ref, deliveryId: 'same-delivery' });
    expect(again).toEqual(first);
    expect(await h.db.session.count({ where: { memberId: member.memberId! } })).toBe(1);
  });

  it("a forged, another user's or expired action changes nothing and says why", async () => {
    const coach = await coachWithHours(h, { windows: [{ dayOfWeek: 1, startTime: '13:00', endTime: '14:00', maxSessionsPerSlot: 3 }] });
    const a = await linkedMember(h, coach.id);
    const b = await linkedMember(h, coach.id);
    await a.chatter.command('book');
    await a.chatter.click('Mon');
    await a.chatter.click('13:00');
    const confirm = actionsOf(a.chatter.last!.view).find((x) => x.label.includes('Confirm'))!.action;
    await b.chatter.clickToken(confirm);
    expect(b.chatter.lastNotice).toMatch(/not valid for you/);
    const forged = confirm.slice(0, -3) + (confirm.endsWith('AAA') ? 'BBB' : 'AAA');
    await a.chatter.clickToken(forged);
    expect(a.chatter.lastNotice).toMatch(/not valid for you/);
    await a.chatter.clickToken('garbage');
    expect(a.chatter.lastNotice).toMatch(/not understood/);
    h.clock.advance(15 * 24 * 60 * 60_000);
    await a.chatter.clickToken(confirm);
    expect(a.chatter.lastNotice).toMatch(/expired/);
    h.clock.advance(-15 * 24 * 60 * 60_000);
    expect(await h.db.session.count({ where: { coachId: coach.id } })).toBe(0);
  });
});
