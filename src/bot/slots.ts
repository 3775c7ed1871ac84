import type { Slot } from '../core/availability/index.ts';
import { BOOKING_MINUTES } from './booking-request.ts';
import type { MemberViewer } from './guards.ts';
import { isoDate } from './format.ts';

const DAY_MS = 86_400_000;

/** Slots of the coach with a seat left that start in [from, to), whatever the zones involved. */
export async function openSlots(v: MemberViewer, coachId: string, from: Date, to: Date): Promise<Slot[]> {
  return (await listedSlots(v, coachId, from, to, false)).filter((s) => s.availableCapacity > 0);
}

/** Slots of the coach that start in [from, to), the full ones too (availableCapacity 0: their waitlist can be joined). */
export async function slotsWithFull(v: MemberViewer, coachId: string, from: Date, to: Date): Promise<Slot[]> {
  return listedSlots(v, coachId, from, to, true);
}

async function listedSlots(v: MemberViewer, coachId: string, from: Date, to: Date, full: boolean): Promise<Slot[]> {
  // The coach's local dates around the span: one day either side covers every UTC offset.
  const startDate = isoDate(Math.floor(from.getTime() / DAY_MS) - 1);
  const endDate = isoDate(Math.floor((to.getTime() - 1) / DAY_MS) + 1);
  const slots = await v.core.availability.listSlots(v.actor, { coachId, startDate, endDate, duration: BOOKING_MINUTES }, { full });
  return slots.filter((s) => {
    const t = Date.parse(s.startsAt);
    return t >= from.getTime() && t < to.getTime();
  });
}

/** The slot starting at `startsAt` if it still has a seat. */
export async function openSlotAt(v: MemberViewer, coachId: string, startsAt: Date): Promise<Slot | null> {
  const slots = await openSlots(v, coachId, startsAt, new Date(startsAt.getTime() + 60_000));
  return slots.find((s) => Date.parse(s.startsAt) === startsAt.getTime()) ?? null;
}
