import { DEFAULT_CORE_CONFIG } from '../core/index.ts';
import { createCreditsService } from '../core/credits/index.ts';
import { materializeTimedNotifications } from '../core/notifications/index.ts';
import { settleWaitlist, type SettleResult } from '../core/waitlist/index.ts';
import { relayOutbox, type RelayDeps } from './relay.ts';

// The scheduler tick: reminders and prompts are derived from the sessions table when they fall due
// within the window (core/notifications/timed.ts writes their outbox rows), then relayed like any
// notification. Redis thus holds minutes of work whatever the number of sessions booked ahead, and
// a reschedule or cancel needs no job surgery: the tick and the worker read the current session.
// The same tick expires credits past their validity (docs/design.md §12).

export interface TickResult {
  /** Reminder and prompt rows written by this tick. */
  derived: number;
  /** Rows handed to the delivery queue. */
  relayed: number;
  /** Waitlist offers expired, made and lines closed by this tick (docs/design.md §11). */
  waitlist: SettleResult;
  /** Expire entries written for grants past their validity (docs/design.md §12). */
  expired: number;
}

export async function tickReminders(deps: RelayDeps): Promise<TickResult> {
  // Offers end at their PostgreSQL deadline, found here: a lost Redis delays an expiry by a tick at most.
  const waitlist = await settleWaitlist({ db: deps.db, clock: deps.clock, config: deps.coreConfig ?? DEFAULT_CORE_CONFIG });
  const now = deps.clock.now();
  const derived = await materializeTimedNotifications(
    deps.db,
    { reminderOffsetsMinutes: deps.settings.reminderOffsetsMinutes, promptLookbackMs: deps.settings.promptLookbackMs },
    now,
    new Date(now.getTime() + deps.settings.windowMs),
  );
  const expired = await createCreditsService(deps).expireDue();
  const relayed = await relayOutbox(deps);
  return { derived, relayed, waitlist, expired };
}
