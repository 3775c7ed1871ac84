import type { CoachAvailabilityModel, DbTx } from '../../db/client.ts';
import { isAdmin, requirePermission, type Actor } from '../access/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import type { CoreDeps } from '../deps.ts';
import { lockCoachCalendar } from '../scheduling/lock.ts';
import { parseId, parseInput } from '../validation.ts';
import { instantsAround, readCoachCalendar } from './calendar.ts';
import {
  createAvailabilityInput,
  slotCheckInput,
  slotsInput,
  updateAvailabilityInput,
  type CreateAvailabilityInput,
  type SlotCheckInput,
  type SlotsInput,
  type UpdateAvailabilityInput,
} from './inputs.ts';
import { affected, futureScheduledSessions, refuseStranded, type BookedSession } from './booked.ts';
import { bookingInWindow, bookingPolicy, decideSlot, listSlots, windowsOverlap, type BookingPolicy, type Slot } from './rules.ts';
import { clockToMinutes } from './time.ts';
import { offerFreedSeats, waitedSlots } from '../waitlist/offers.ts';

export type AvailabilityWindowRecord = CoachAvailabilityModel;

export function createAvailabilityService(deps: CoreDeps) {
  const { db, clock, config } = deps;

  const policy = (): BookingPolicy => bookingPolicy(config, clock.now());

  function requireOwnCalendar(actor: Actor, coachId: string): void {
    requirePermission(actor, 'availability:write');
    if (!isAdmin(actor) && actor.userId !== coachId) {
      throw new ForbiddenError('not_your_availability', 'You can only manage your own availability');
    }
  }

  async function coachTimezone(tx: DbTx, coachId: string): Promise<string> {
    const profile = await tx.coachProfile.findUnique({ where: { userId: coachId }, select: { timezone: true } });
    if (!profile) throw new NotFoundError('Coach', coachId);
    return profile.timezone;
  }

  async function windowOf(tx: DbTx, id: string): Promise<CoachAvailabilityModel> {
    const window = await tx.coachAvailability.findUnique({ where: { id } });
    if (!window) throw new NotFoundError('Availability', id);
    return window;
  }

  async function assertNoOverlap(tx: DbTx, w: Pick<CoachAvailabilityModel, 'coachId' | 'dayOfWeek' | 'startTime' | 'endTime'>, exceptId?: string) {
    const sameDay = await tx.coachAvailability.findMany({
      where: { coachId: w.coachId, dayOfWeek: w.dayOfWeek, isActive: true, ...(exceptId ? { id: { not: exceptId } } : {}) },
    });
    const clash = sameDay.find((other) => windowsOverlap(other, w));
    if (clash) {
      throw new ConflictError('availability_overlap', `This overlaps your availability ${clash.startTime}-${clash.endTime} on the same day`, {
        availabilityId: clash.id,
      });
    }
  }

  /** The coach's future scheduled sessions (booked or created directly), placed in the coach's zone. */
  async function futureSessions(tx: DbTx, coachId: string): Promise<BookedSession[]> {
    return futureScheduledSessions(tx, coachId, clock.now(), await coachTimezone(tx, coachId));
  }

  return {
    /** A coach's weekly windows (active and inactive), by weekday and start. Anyone signed in may read them. */
    async listByCoach(_actor: Actor | undefined, coachId: string): Promise<AvailabilityWindowRecord[]> {
      const coach = parseId(coachId, 'coachId');
      const windows = await db.coachAvailability.findMany({ where: { coachId: coach }, orderBy: [{ dayOfWeek: 'asc' }, { startTime: 'asc' }] });
      if (windows.length === 0) await coachTimezone(db, coach);
      return windows;
    },

    /** Adds a weekly window (Properties 11, 12); overlap is checked under the coach lock. */
    async create(actor: Actor, raw: CreateAvailabilityInput): Promise<AvailabilityWindowRecord> {
      const input = parseInput(createAvailabilityInput, raw);
      const coachId = input.coachId ?? actor.userId;
      requireOwnCalendar(actor, coachId);
      await coachTimezone(db, coachId);
      return db.$transaction(async (tx) => {
        await lockCoachCalendar(tx, coachId);
        const window = { ...input, coachId };
        await assertNoOverlap(tx, window);
        return tx.coachAvailability.create({ data: window });
      });
    },

    /**
     * Changes a window. Refused when it would overlap another window (Property 12) or leave a future
     * scheduled session of this window outside every window or over its slot's seats (Property 13).
     */
    async update(actor: Actor, id: string, raw: UpdateAvailabilityInput): Promise<AvailabilityWindowRecord> {
      const windowId = parseId(id);
      const patch = parseInput(updateAvailabilityInput, raw);
      const before = await windowOf(db, windowId);
      requireOwnCalendar(actor, before.coachId);
      return db.$transaction(async (tx) => {
        await lockCoachCalendar(tx, before.coachId);
        const current = await windowOf(tx, windowId);
        const next = { ...current, ...stripUndefined(patch) };
        if (clockToMinutes(next.startTime) >= clockToMinutes(next.endTime)) {
          throw ValidationError.field('endTime', 'must be after startTime');
        }
        if (next.isActive) await assertNoOverlap(tx, next, current.id);
        const inWindow = current.isActive ? (await futureSessions(tx, current.coachId)).filter((b) => bookingInWindow(current, b)) : [];
        if (inWindow.length > 0) {
          const others = await tx.coachAvailability.findMany({ where: { coachId: current.coachId, isActive: true, id: { not: current.id } } });
          refuseStranded(
            { timezone: await coachTimezone(tx, current.coachId), windows: next.isActive ? [...others, next] : others },
            inWindow,
            'availability_strands_bookings',
            'This change would leave booked sessions outside your availability or over capacity; cancel or move them first',
          );
        }
        const updated = await tx.coachAvailability.update({ where: { id: current.id }, data: stripUndefined(patch) });
        // More seats per slot (or a window widened) may free seats that members wait for (docs/design.md §11).
        const now = clock.now();
        await offerFreedSeats(tx, config, now, current.coachId, await waitedSlots(tx, current.coachId, now));
        return updated;
      });
    },

    /** Deletes a window unless future scheduled sessions lie in it (Property 14). */
    async delete(actor: Actor, id: string): Promise<void> {
      const windowId = parseId(id);
      const before = await windowOf(db, windowId);
      requireOwnCalendar(actor, before.coachId);
      await db.$transaction(async (tx) => {
        await lockCoachCalendar(tx, before.coachId);
        const current = await windowOf(tx, windowId);
        if (current.isActive) {
          const booked = (await futureSessions(tx, current.coachId)).filter((b) => bookingInWindow(current, b));
          if (booked.length > 0) {
            throw new UnprocessableError('availability_has_bookings', 'This availability has upcoming sessions; cancel or move them first', affected(booked));
          }
        }
        await tx.coachAvailability.delete({ where: { id: current.id } });
      });
    },

    /**
     * Bookable slots with seats left on the coach's local dates startDate..endDate (Properties 15,
     * 23, 24, 25), from one query whatever the length of the range; with `full`, the full ones too
     * (availableCapacity 0: the chat's picker offers their waitlist).
     */
    async listSlots(_actor: Actor | undefined, raw: SlotsInput, options: { full?: boolean } = {}): Promise<Slot[]> {
      const input = parseInput(slotsInput, raw);
      const calendar = await readCoachCalendar(db, input.coachId, instantsAround(input.startDate, input.endDate));
      if (!calendar) throw new NotFoundError('Coach', input.coachId);
      return listSlots(calendar, policy(), input, options);
    },

    /** Whether one slot can be booked now, by the same rule as listing and booking. */
    async checkSlot(_actor: Actor | undefined, raw: SlotCheckInput): Promise<boolean> {
      const input = parseInput(slotCheckInput, raw);
      const calendar = await readCoachCalendar(db, input.coachId, instantsAround(input.date, input.date));
      if (!calendar) throw new NotFoundError('Coach', input.coachId);
      return decideSlot(calendar, policy(), input).bookable;
    },
  };
}

export type AvailabilityService = ReturnType<typeof createAvailabilityService>;

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
