import type { Db } from '../db/client.ts';
import type { Clock } from './clock.ts';
import type { CoreTelemetry } from './telemetry.ts';

// What every core service is built from. Its own module, so that a service can name it without
// importing core/index.ts, which imports every service.

export interface CoreConfig {
  /** Minimum notice before a slot can be booked, in minutes. */
  bookingMinNoticeMinutes: number;
  /** How far ahead slots can be booked, in days. */
  bookingHorizonDays: number;
  /** How long a waitlist offer holds a freed seat for its member, in minutes (never past the slot's minimum notice). */
  waitlistClaimMinutes: number;
}

export const DEFAULT_CORE_CONFIG: CoreConfig = { bookingMinNoticeMinutes: 60, bookingHorizonDays: 90, waitlistClaimMinutes: 15 };

export interface CoreDeps {
  db: Db;
  clock: Clock;
  config: CoreConfig;
  /** Told what core has done (bookings made and refused), for the process's metrics; nothing is told when not given. */
  telemetry?: CoreTelemetry;
}
