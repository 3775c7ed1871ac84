import { asDomainError, isDomainError, SLOT_FULL_MESSAGE, UnavailableError, ValidationError, type DomainError, type ErrorCode } from '../core/index.ts';

// Domain errors as chat sentences, in this one place, keyed by the error's stable code. Every code
// is either given a sentence or listed as answered by its kind, so a new code does not compile until
// it is one or the other. An error that is not a domain error is a bug, logged by the router and
// answered with an apology that gives nothing away.

/** The member already holds that time: no retry can book it again. */
export const ALREADY_BOOKED_SENTENCE = 'You already have a session at that time. See /sessions.';

/**
 * Codes answered by their kind's sentence (a validation error by its issues, a not-found by what it
 * names): the API's own credentials, and refusals whose kind already says enough in a chat.
 */
export const ANSWERED_BY_KIND = [
  'validation_failed',
  'missing_token',
  'invalid_authorization_header',
  'invalid_token',
  'token_revoked',
  'token_expired',
  'invalid_metrics_token',
  'admin_only',
  'coach_only_field',
  'not_a_participant',
  'not_your_conversations',
  'not_your_sessions',
  'not_your_members',
  'not_your_profile',
  'not_your_dashboard',
  'not_your_bookings',
  'not_your_feed',
  'user_not_found',
  'member_not_found',
  'coach_not_found',
  'session_not_found',
  'booking_not_found',
  'series_not_found',
  'availability_not_found',
  'permission_not_found',
  'conversation_not_found',
  'api_token_not_found',
  'chat_identity_not_found',
  'calendar_feed_not_found',
  'not_your_packages',
  'package_not_found',
  'commitment_not_found',
  'waitlist_entry_not_found',
  'coach_has_members_or_sessions',
  'timezone_strands_sessions',
  'member_profile_exists',
  'not_a_coach',
  'not_a_member_account',
  'database_busy',
  'database_unavailable',
  'queues_unavailable',
] as const satisfies readonly ErrorCode[];

type Sentence = string | ((e: DomainError) => string);

const SENTENCES: Record<Exclude<ErrorCode, (typeof ANSWERED_BY_KIND)[number]>, Sentence> = {
  slot_full: SLOT_FULL_MESSAGE,
  slot_unavailable: 'This time is no longer available, please choose another',
  no_credits: 'You have no sessions left in your package, so this time was not booked. Your coach has been told; see /credits.',
  not_enough_credits: 'There are not that many credits left to take away.',
  package_archived: 'That package is archived: choose another.',
  member_has_no_coach: 'This member has no coach to hold credits with.',
  outside_availability: "That time is outside your coach's availability. Please pick one of the listed times.",
  booking_too_soon: 'That time is in the past or too close to book. Please pick a later one.',
  booking_too_far_ahead: 'That time is too far ahead to book yet.',
  not_your_coach: 'You can only book sessions with your own coach.',
  coach_full: 'This coach has no room for new members. Please choose another coach.',
  coach_not_accepting: 'This coach is not taking new members right now. Please choose another coach.',
  coach_inactive: 'This coach is not active at the moment.',
  member_inactive: 'Your membership is not active, so you cannot book. Ask your coach to reactivate it.',
  already_signed_up: 'You are already signed up. Try /book or /next.',
  already_booked: ALREADY_BOOKED_SENTENCE,
  already_rated: 'You have already rated this session. Thank you!',
  session_started: 'This session has already started, so it can no longer be cancelled here. Please talk to your coach.',
  session_not_started: 'This session has not started yet. You can do that once it has begun.',
  invalid_state: (e) => `${e.message}.`,
  booking_not_cancellable: 'This booking cannot be cancelled any more.',
  availability_overlap: (e) => `${e.message}.`,
  availability_has_bookings: 'This availability has upcoming sessions. Cancel or move them first.',
  availability_strands_bookings: 'That change would leave booked sessions outside your availability. Cancel or move them first.',
  idempotency_key_reused: 'That request was already handled differently. Please start again.',
  email_taken: 'That email is already used by another account.',
  missing_permission: 'You are not allowed to do that.',
  not_your_session: 'That session is not yours.',
  not_session_coach: 'Only the coach of this session can do that.',
  not_session_member: 'Only the member of this session can do that.',
  not_your_member: 'That member is not assigned to you.',
  not_your_booking: 'That booking is not yours.',
  not_your_availability: 'You can only change your own availability.',
  unauthorized: 'Your account is not active.',
  user_inactive: 'That account is deactivated, so this chat cannot be linked to it.',
  link_code_clash: 'A fresh link code could not be made just now, so none was. Please ask for one again.',
  nonexistent_time: "That time does not exist in your coach's time zone: the clocks skip it that night. Please pick another time.",
  link_code_malformed: 'That is not a link code: a code is 8 letters and digits, for example /link ABCD-2345.',
  link_code_unknown: 'That link code is not right, so nothing was changed. Check it, or ask for a new one.',
  link_code_used: 'That link code was already used, so nothing was changed. Please ask for a new one.',
  link_code_expired: 'That link code has expired (codes last 15 minutes), so nothing was changed. Please ask for a new one.',
  link_throttled: (e) => `Too many wrong link codes, so nothing was changed. Please try again in ${waitText(e)}.`,
  chat_account_linked_elsewhere: 'This chat account is linked to someone else. Send /unlink first, then /link again.',
  platform_not_linked: 'Notices can only go to a platform you have linked. Send /notify here from the chat you want them in.',
  not_your_waitlist_entry: 'That place in line is not yours.',
  already_waitlisted: 'You are already in line for this time. See /waitlist.',
  slot_not_full: 'This time has a seat free now, so there is no need to wait: book it instead.',
  offer_not_live: (e) =>
    (e.details as { status?: string } | undefined)?.status === 'waiting'
      ? 'No seat is held for you yet: you are still in line. We will message you when one frees.'
      : 'This offer has ended, so nothing was booked. See /waitlist for where you stand.',
};

/** How long a throttled person waits, in words. */
function waitText(e: DomainError): string {
  const seconds = e instanceof UnavailableError ? e.retryAfterSeconds : 60;
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

const BY_KIND: Record<DomainError['kind'], string> = {
  validation: 'That input was not valid.',
  unauthorized: 'Your account is not active.',
  forbidden: 'You are not allowed to do that.',
  not_found: 'That no longer exists. It may have been removed.',
  conflict: 'That clashes with something that changed meanwhile. Please try again.',
  unprocessable: 'That cannot be done right now.',
  unavailable: 'We are busy right now. Please try again in a few seconds.',
};

export const UNEXPECTED_SENTENCE = 'Sorry, something went wrong on our side. Please try again in a moment.';

/** The sentence a chat user reads for an error. */
export function sentenceFor(raw: unknown): string {
  const error = asDomainError(raw);
  if (!isDomainError(error)) return UNEXPECTED_SENTENCE;
  const known = (SENTENCES as Partial<Record<ErrorCode, Sentence>>)[error.code];
  if (typeof known === 'function') return known(error);
  if (known) return known;
  if (error instanceof ValidationError && error.issues.length) {
    return `Please check: ${error.issues.map((i) => `${i.field} ${i.message}`).join('; ')}.`;
  }
  if (error.kind === 'not_found') return `${error.message.replace(/ [0-9a-f-]{36}/, '')}. It may have been removed.`;
  return BY_KIND[error.kind];
}

/** Answers to actions the bot cannot trust or use. */
export const ACTION_SENTENCES = {
  malformed: 'That button was not understood. Please start again from the command.',
  forged: 'That button is not valid for you. It belongs to someone else or was altered, so nothing was changed.',
  expired: 'That button has expired. Please run the command again for a fresh one.',
  unknown: 'That button no longer does anything. Please run the command again.',
  signUpFirst: 'I do not know you yet: send /signup to join as a member, or /link with the code you were given if you already have an account.',
  membersOnly: 'That is for members. Coaches use /today, /members and /availability.',
  coachesOnly: 'That is for coaches.',
  inProgress: 'Still working on that one…',
} as const;
