// Every stable error code, in this one place: its kind (hence its HTTP status, STATUS_OF) and what
// it means. The code is the API's `error` field, the key of the bot's chat sentence and what logs
// and metrics count (docs/design.md §2), so a code is never renamed; a new refusal adds one here,
// and the error classes accept only the codes of their own kind.

export type ErrorKind = 'validation' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable' | 'unavailable';

export const STATUS_OF: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
};

export const ERROR_CODES = {
  // 400: the request itself is wrong; `details.issues` names the fields.
  validation_failed: { kind: 'validation', meaning: 'A field is missing, malformed or out of range' },
  invalid_state: { kind: 'validation', meaning: "The session's status does not allow this (completing a cancelled session, rating one not completed)" },
  session_not_started: { kind: 'validation', meaning: 'The session has not started yet (completing it, recording a no-show)' },
  session_started: { kind: 'validation', meaning: 'The session has started, so its member can no longer cancel or move it' },
  link_code_malformed: { kind: 'validation', meaning: 'The text is not shaped like a link code' },

  // 401: no usable credential.
  unauthorized: { kind: 'unauthorized', meaning: 'The acting user is unknown or deactivated' },
  missing_token: { kind: 'unauthorized', meaning: 'No Authorization header was sent' },
  invalid_authorization_header: { kind: 'unauthorized', meaning: 'The Authorization header is not "Bearer <token>"' },
  invalid_token: { kind: 'unauthorized', meaning: 'The API token is unknown or malformed' },
  token_revoked: { kind: 'unauthorized', meaning: 'The API token was revoked' },
  token_expired: { kind: 'unauthorized', meaning: 'The API token has expired' },
  invalid_metrics_token: { kind: 'unauthorized', meaning: 'The metrics token is not METRICS_TOKEN' },

  // 403: a known user who may not do this.
  missing_permission: { kind: 'forbidden', meaning: 'The user lacks the permission named in `details.permission`' },
  admin_only: { kind: 'forbidden', meaning: 'Only an admin may do this' },
  coach_only_field: { kind: 'forbidden', meaning: 'Only the coach or an admin may change the fields in `details.fields`' },
  not_a_participant: { kind: 'forbidden', meaning: 'The user is not in this conversation' },
  not_your_conversations: { kind: 'forbidden', meaning: "Another user's conversations" },
  not_your_session: { kind: 'forbidden', meaning: 'A session the user is neither member nor coach of' },
  not_your_sessions: { kind: 'forbidden', meaning: "Another coach's sessions" },
  not_session_coach: { kind: 'forbidden', meaning: 'Only the coach of the session (or an admin) may do this' },
  not_session_member: { kind: 'forbidden', meaning: 'Only the member of the session may do this' },
  not_your_member: { kind: 'forbidden', meaning: 'A member not assigned to this coach' },
  not_your_members: { kind: 'forbidden', meaning: "Another coach's members" },
  not_your_profile: { kind: 'forbidden', meaning: "Another user's member or coach profile" },
  not_your_dashboard: { kind: 'forbidden', meaning: "Another coach's dashboard" },
  not_your_booking: { kind: 'forbidden', meaning: 'A booking for someone else' },
  not_your_bookings: { kind: 'forbidden', meaning: "Another coach's pending bookings" },
  not_your_availability: { kind: 'forbidden', meaning: "Another coach's availability" },
  not_your_feed: { kind: 'forbidden', meaning: "Another user's calendar feed" },
  not_your_waitlist_entry: { kind: 'forbidden', meaning: "Another member's waitlist entry, or a coach's other than the actor's" },
  not_your_packages: { kind: 'forbidden', meaning: "Another coach's packages" },

  // 404: what the request names does not exist (or is not the user's to see).
  user_not_found: { kind: 'not_found', meaning: 'No such user' },
  member_not_found: { kind: 'not_found', meaning: 'No such member' },
  coach_not_found: { kind: 'not_found', meaning: 'No such coach, or an inactive one seen by a non-admin' },
  session_not_found: { kind: 'not_found', meaning: 'No such session' },
  booking_not_found: { kind: 'not_found', meaning: 'No such booking' },
  series_not_found: { kind: 'not_found', meaning: 'No such recurring series, or not one the user may see' },
  availability_not_found: { kind: 'not_found', meaning: 'No such availability window' },
  permission_not_found: { kind: 'not_found', meaning: 'No such permission' },
  conversation_not_found: { kind: 'not_found', meaning: 'No such conversation' },
  api_token_not_found: { kind: 'not_found', meaning: 'No such API token, or not one the user may see' },
  chat_identity_not_found: { kind: 'not_found', meaning: 'No such chat account linked to this user' },
  calendar_feed_not_found: { kind: 'not_found', meaning: 'No live calendar feed at this address' },
  package_not_found: { kind: 'not_found', meaning: "No such package of this coach's" },
  commitment_not_found: { kind: 'not_found', meaning: 'No such commitment' },
  waitlist_entry_not_found: { kind: 'not_found', meaning: 'No such waitlist entry' },

  // 409: the current state stands in the way.
  slot_full: { kind: 'conflict', meaning: 'Every seat of the slot is taken' },
  slot_unavailable: { kind: 'conflict', meaning: 'Another session holds the time' },
  already_booked: { kind: 'conflict', meaning: 'The member already holds a seat in the slot' },
  booking_not_cancellable: { kind: 'conflict', meaning: 'The booking is no longer confirmed' },
  already_rated: { kind: 'conflict', meaning: 'The session was rated already' },
  coach_full: { kind: 'conflict', meaning: 'The coach has no room for another member' },
  coach_has_members_or_sessions: { kind: 'conflict', meaning: 'The coach still has active members or upcoming sessions' },
  availability_overlap: { kind: 'conflict', meaning: 'The window overlaps another of the same coach' },
  availability_strands_bookings: { kind: 'conflict', meaning: 'The change would leave booked sessions outside the availability' },
  timezone_strands_sessions: { kind: 'conflict', meaning: 'The new time zone would put upcoming sessions outside the availability' },
  email_taken: { kind: 'conflict', meaning: 'Another account uses the email' },
  already_signed_up: { kind: 'conflict', meaning: 'The chat account is signed up already' },
  member_profile_exists: { kind: 'conflict', meaning: 'The user has a member profile already' },
  chat_account_linked_elsewhere: { kind: 'conflict', meaning: 'The chat account is linked to another user' },
  already_waitlisted: { kind: 'conflict', meaning: 'The member is in line for this slot already' },
  slot_not_full: { kind: 'conflict', meaning: 'The slot has a seat free: book it rather than wait for one' },
  offer_not_live: { kind: 'conflict', meaning: 'The waitlist entry holds no seat now: still waiting, or its offer ended (claimed, passed, expired, closed)' },
  link_code_clash: { kind: 'conflict', meaning: 'A fresh link code collided with a live one; ask again' },
  no_credits: { kind: 'conflict', meaning: 'The coach requires credits and the member has none left' },
  not_enough_credits: { kind: 'conflict', meaning: 'A downward adjustment larger than the credits left' },

  // 422: well formed, but a rule refuses it.
  platform_not_linked: { kind: 'unprocessable', meaning: 'A preferred chat platform the user has no linked account on' },
  outside_availability: { kind: 'unprocessable', meaning: "The time is outside the coach's availability" },
  booking_too_soon: { kind: 'unprocessable', meaning: 'The time is in the past or within the booking notice' },
  booking_too_far_ahead: { kind: 'unprocessable', meaning: 'The time is beyond the booking horizon' },
  nonexistent_time: { kind: 'unprocessable', meaning: "The local time does not exist in the coach's time zone (the clocks skip it)" },
  not_your_coach: { kind: 'unprocessable', meaning: "A member booking with a coach who is not theirs" },
  member_inactive: { kind: 'unprocessable', meaning: 'The member is not active' },
  coach_inactive: { kind: 'unprocessable', meaning: 'The coach is not active' },
  coach_not_accepting: { kind: 'unprocessable', meaning: 'The coach takes no new members' },
  not_a_coach: { kind: 'unprocessable', meaning: 'The user is not a coach' },
  not_a_member_account: { kind: 'unprocessable', meaning: 'Only a Member account can have a member profile' },
  availability_has_bookings: { kind: 'unprocessable', meaning: 'The window has upcoming sessions' },
  user_inactive: { kind: 'unprocessable', meaning: 'The user is deactivated' },
  idempotency_key_reused: { kind: 'unprocessable', meaning: 'The Idempotency-Key was used for a different request' },
  link_code_unknown: { kind: 'unprocessable', meaning: 'No such link code' },
  link_code_used: { kind: 'unprocessable', meaning: 'The link code was used already' },
  link_code_expired: { kind: 'unprocessable', meaning: 'The link code expired or was replaced' },
  package_archived: { kind: 'unprocessable', meaning: 'The package is archived: nothing more is granted from it' },
  member_has_no_coach: { kind: 'unprocessable', meaning: 'The member has no coach, and no coachId was named' },

  // 503: cannot be served now; the same request may succeed after Retry-After.
  database_busy: { kind: 'unavailable', meaning: 'A wait for a lock ran out' },
  database_unavailable: { kind: 'unavailable', meaning: 'The database cannot be reached' },
  queues_unavailable: { kind: 'unavailable', meaning: 'Redis, hence the job queues, cannot be reached' },
  link_throttled: { kind: 'unavailable', meaning: 'Too many wrong link codes from this chat account' },
} as const satisfies Record<string, { kind: ErrorKind; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of one kind: what its error class accepts. */
export type CodeOf<K extends ErrorKind> = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['kind'] extends K ? C : never }[ErrorCode];

export const ALL_ERROR_CODES = Object.keys(ERROR_CODES) as ErrorCode[];

export function isCodeOf<K extends ErrorKind>(kind: K, code: string): code is CodeOf<K> {
  return Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code as ErrorCode].kind === kind;
}
