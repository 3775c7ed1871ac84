import { createAccessService } from './access/index.ts';
import { createAvailabilityService } from './availability/index.ts';
import { createBookingSeriesService, createBookingsService } from './bookings/index.ts';
import { createOperatorService, createTokenService } from './tokens/index.ts';
import { createNotificationService } from './notifications/index.ts';
import type { CoreDeps } from './deps.ts';
import { createSessionsService } from './sessions/index.ts';
import { createDashboardsService } from './dashboards/index.ts';
import { createCalendarFeedService } from './calendar/index.ts';
import { createUsersService } from './users/index.ts';
import { createMembersService, createSignupService } from './members/index.ts';
import { createCoachesService } from './coaches/index.ts';
import { createConversationsService } from './conversations/index.ts';
import { createChatService } from './chat/index.ts';
import { createLinkService } from './links/index.ts';
import { createWaitlistService } from './waitlist/index.ts';
import { createCreditsService } from './credits/index.ts';

/** Core services wired over one database client and clock; the API, bot and jobs all use this. */
export function createCore(deps: CoreDeps) {
  const bookings = createBookingsService(deps);
  return {
    access: createAccessService(deps.db),
    users: createUsersService(deps),
    members: createMembersService(deps),
    signup: createSignupService(deps),
    coaches: createCoachesService(deps),
    conversations: createConversationsService(deps),
    availability: createAvailabilityService(deps),
    bookings,
    waitlist: createWaitlistService(deps, bookings),
    bookingSeries: createBookingSeriesService(deps),
    sessions: createSessionsService(deps),
    dashboards: createDashboardsService(deps),
    calendar: createCalendarFeedService(deps),
    tokens: createTokenService(deps, createAccessService(deps.db)),
    notifications: createNotificationService(deps),
    operator: createOperatorService(deps),
    chat: createChatService(deps),
    links: createLinkService(deps),
    credits: createCreditsService(deps),
  };
}

export type Core = ReturnType<typeof createCore>;

export * from './errors.ts';
export { DEFAULT_CORE_CONFIG, type CoreConfig, type CoreDeps } from './deps.ts';
export { asDomainError } from './infrastructure.ts';
export type { Clock } from './clock.ts';
export { NO_TELEMETRY, type BookingSource, type CoreTelemetry } from './telemetry.ts';
export { BOOKING_REFUSALS, type BookingRefusal } from './bookings/refusals.ts';
export { systemClock, ManualClock } from './clock.ts';
export type { Actor, PermissionKey, RoleName } from './access/index.ts';
// The bounded building blocks every input schema uses; the API builds its request schemas from them.
export { calendarDate, clockTime, FIRST_DATE, instantText, LAST_DATE, text } from './validation.ts';
