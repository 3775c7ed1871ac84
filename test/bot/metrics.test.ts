import { describe, expect, it } from 'vitest';
import { SLOT_FULL_MESSAGE } from '../../src/core/index.ts';
import { createProcessMetrics } from '../../src/runtime/metrics.ts';
import { parseExposition, valueOf } from '../helpers/prometheus.ts';
import { actionsOf, coachWithHours, linkedMember, setupBot } from './harness.ts';

// Bookings from chat are counted where the API's are, in core, as source="bot": the metrics of a
// process whose bot shares core with the API (roles bot and all).

const metrics = createProcessMetrics();
const h = await setupBot({ telemetry: metrics.core });

async function counted() {
  const families = parseExposition(await metrics.expose());
  return {
    bot: valueOf(families, 'coachbot_bookings_total', { source: 'bot' }),
    api: valueOf(families, 'coachbot_bookings_total', { source: 'api' }),
    full: valueOf(families, 'coachbot_booking_rejections_total', { source: 'bot', reason: 'slot_full' }),
  };
}

describe('bookings from chat in the metrics', () => {
  it('count as source="bot", once however often the Confirm button is tapped; the member who finds the slot taken counts as a slot_full refusal', async () => {
    const coach = await coachWithHours(h, { windows: [{ dayOfWeek: 3, startTime: '09:00', endTime: '10:00', maxSessionsPerSlot: 1 }] });
    const a = await linkedMember(h, coach.id);
    const b = await linkedMember(h, coach.id);
    const confirms: string[] = [];
    for (const { chatter } of [a, b]) {
      await chatter.command('book');
      await chatter.click('Wed 9 Jan');
      await chatter.click('09:00');
      confirms.push(actionsOf(chatter.last!.view).find((x) => x.label.includes('Confirm'))!.action);
    }
    // A double tap: two deliveries of one signed button, one idempotency key.
    await a.chatter.clickToken(confirms[0]!);
    await a.chatter.clickToken(confirms[0]!);
    expect(a.chatter.text()).toContain('Booked');
    await b.chatter.clickToken(confirms[1]!);
    expect(b.chatter.text()).toContain(SLOT_FULL_MESSAGE);
    expect(await h.db.session.count({ where: { coachId: coach.id } })).toBe(1);
    expect(await counted()).toEqual({ bot: 1, api: 0, full: 1 });
  });
});
