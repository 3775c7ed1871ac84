export * from './rules.ts';
export * from './inputs.ts';
export { sessionInclude, sessionScope, toRecord, loadSession } from './load.ts';
export { coachRatingSummary, type RatingSummary } from './ratings.ts';
export { createSessionsService, SESSION_CREATE_OPERATION, type SessionsService } from './service.ts';
export { assertBookableTime, type BookableRequest, type BookedTime } from './bookable.ts';
