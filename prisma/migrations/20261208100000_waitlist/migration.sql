-- The waitlist (docs/design.md §11): members in line for a full slot, and the seat held for the one an
-- offer goes to. An offered entry counts as a taken seat for everyone but its member.
-- CreateEnum
CREATE TYPE "WaitlistStatus" AS ENUM ('waiting', 'offered', 'claimed', 'passed', 'expired', 'closed', 'left');

-- CreateTable
CREATE TABLE "waitlist_entries" (
    "id" TEXT NOT NULL,
    "seq" SERIAL NOT NULL,
    "coachId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "duration" INTEGER NOT NULL,
    "status" "WaitlistStatus" NOT NULL DEFAULT 'waiting',
    "offeredAt" TIMESTAMP(3),
    "holdUntil" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "bookingId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "waitlist_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "waitlist_entries_seq_key" ON "waitlist_entries"("seq");

-- CreateIndex
CREATE INDEX "waitlist_entries_coachId_startsAt_status_idx" ON "waitlist_entries"("coachId", "startsAt", "status");

-- CreateIndex
CREATE INDEX "waitlist_entries_memberId_status_idx" ON "waitlist_entries"("memberId", "status");

-- CreateIndex
CREATE INDEX "waitlist_entries_status_holdUntil_idx" ON "waitlist_entries"("status", "holdUntil");

-- AddForeignKey
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "member_profiles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_coachId_fkey" FOREIGN KEY ("coachId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The booking's re-check under the coach lock (docs/design.md §3), anew: a seat held by a waitlist
-- offer (status 'offered') is taken for everyone but the member it is held for, like a session, both
-- for the seats of its slot and for the buffer around it. Otherwise as before (20261207190000).
CREATE OR REPLACE FUNCTION "booking_recheck"(
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
  SELECT count(*), count(*) FILTER (WHERE t."memberId" = p_member AND NOT t."held") INTO v_taken, v_mine
    FROM (
      SELECT s."memberId", false AS "held" FROM "sessions" s
        WHERE s."coachId" = p_coach AND s."status" <> 'cancelled' AND s."id" <> p_except
          AND s."scheduledAt" = p_starts_at AND s."duration" = p_duration
      UNION ALL
      SELECT w."memberId", true FROM "waitlist_entries" w
        WHERE w."coachId" = p_coach AND w."status" = 'offered' AND w."memberId" <> p_member
          AND w."startsAt" = p_starts_at AND w."duration" = p_duration
    ) t;
  IF v_taken >= p_seats OR v_mine > 0 THEN
    RAISE EXCEPTION 'booking_recheck: no seat left' USING ERRCODE = 'CB409';
  END IF;
  IF EXISTS (SELECT 1 FROM (
        SELECT s."scheduledAt" AS "at", s."duration" FROM "sessions" s
          WHERE s."coachId" = p_coach AND s."status" <> 'cancelled' AND s."id" <> p_except
            AND s."scheduledAt" >= p_from AND s."scheduledAt" < v_ends_at + v_buffer
        UNION ALL
        SELECT w."startsAt", w."duration" FROM "waitlist_entries" w
          WHERE w."coachId" = p_coach AND w."status" = 'offered' AND w."memberId" <> p_member
            AND w."startsAt" >= p_from AND w."startsAt" < v_ends_at + v_buffer
      ) b
      WHERE NOT (b."at" = p_starts_at AND b."duration" = p_duration)
        AND b."at" + b."duration" * interval '1 minute' + v_buffer > p_starts_at) THEN
    RAISE EXCEPTION 'booking_recheck: the slot is taken' USING ERRCODE = 'CB409';
  END IF;
END
$$;
