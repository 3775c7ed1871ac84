-- The booking's re-check under the coach lock, run by PostgreSQL itself so that the lock is held for
-- this function and the commit sent with it, not for a round trip to the application and back
-- (src/core/bookings/service.ts). It re-decides, on what is committed now, what the application
-- decided on its unlocked read (decideSlot in src/core/availability/rules.ts): the slot's window and
-- the coach's zone unchanged, a seat left, no seat of this member's, no other session within the
-- window's buffer. Any difference raises SQLSTATE CB409 and the application decides again under the
-- lock. p_except is the session the booking has just written; p_from the earliest start of a session
-- that could reach the slot (instantsAroundInstant: the longest session and the largest buffer before it).
CREATE FUNCTION "booking_recheck"(
  p_coach text, p_timezone text, p_window text, p_day int, p_start_time text, p_end_time text, p_seats int, p_buffer int,
  p_starts_at timestamp(3), p_duration int, p_member text, p_except text, p_from timestamp(3)
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_buffer interval := p_buffer * interval '1 minute';
  v_ends_at timestamp(3) := p_starts_at + p_duration * interval '1 minute';
  v_taken int;
  v_mine int;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "coach_profiles" WHERE "userId" = p_coach AND "timezone" = p_timezone)
     OR NOT EXISTS (SELECT 1 FROM "coach_availability" a WHERE a."id" = p_window AND a."coachId" = p_coach AND a."isActive"
       AND a."dayOfWeek" = p_day AND a."startTime" = p_start_time AND a."endTime" = p_end_time
       AND a."maxSessionsPerSlot" = p_seats AND a."bufferMinutes" = p_buffer) THEN
    RAISE EXCEPTION 'booking_recheck: the schedule changed' USING ERRCODE = 'CB409';
  END IF;
  SELECT count(*), count(*) FILTER (WHERE s."memberId" = p_member) INTO v_taken, v_mine
    FROM "sessions" s
    WHERE s."coachId" = p_coach AND s."status" <> 'cancelled' AND s."id" <> p_except
      AND s."scheduledAt" = p_starts_at AND s."duration" = p_duration;
  IF v_taken >= p_seats OR v_mine > 0 THEN
    RAISE EXCEPTION 'booking_recheck: no seat left' USING ERRCODE = 'CB409';
  END IF;
  IF EXISTS (SELECT 1 FROM "sessions" s
      WHERE s."coachId" = p_coach AND s."status" <> 'cancelled' AND s."id" <> p_except
        AND s."scheduledAt" >= p_from AND s."scheduledAt" < v_ends_at + v_buffer
        AND NOT (s."scheduledAt" = p_starts_at AND s."duration" = p_duration)
        AND s."scheduledAt" + s."duration" * interval '1 minute' + v_buffer > p_starts_at) THEN
    RAISE EXCEPTION 'booking_recheck: the slot is taken' USING ERRCODE = 'CB409';
  END IF;
END
$$;
