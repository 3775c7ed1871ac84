-- The permission catalogue, and CHECK constraints that Prisma's schema language cannot express:
-- the database refuses what the services already refuse, so no other writer can break the rules.

INSERT INTO "permissions" ("id", "key", "description") VALUES
  (gen_random_uuid()::text, 'members:read', 'Read member profiles (own, own members, or all for admins)'),
  (gen_random_uuid()::text, 'members:write', 'Create and update member profiles'),
  (gen_random_uuid()::text, 'sessions:read', 'Read sessions'),
  (gen_random_uuid()::text, 'sessions:write', 'Create, update, complete and cancel sessions'),
  (gen_random_uuid()::text, 'availability:write', 'Manage weekly availability'),
  (gen_random_uuid()::text, 'bookings:write', 'Book and cancel sessions'),
  (gen_random_uuid()::text, 'coaches:write', 'Manage coach profiles and assignments'),
  (gen_random_uuid()::text, 'admin', 'Everything')
ON CONFLICT ("key") DO NOTHING;

ALTER TABLE "coach_availability"
  ADD CONSTRAINT "coach_availability_day_of_week_check" CHECK ("dayOfWeek" BETWEEN 0 AND 6),
  ADD CONSTRAINT "coach_availability_times_check" CHECK ("startTime" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND "endTime" ~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' AND "startTime" < "endTime"),
  ADD CONSTRAINT "coach_availability_seats_check" CHECK ("maxSessionsPerSlot" > 0),
  ADD CONSTRAINT "coach_availability_buffer_check" CHECK ("bufferMinutes" >= 0);

ALTER TABLE "coach_profiles"
  ADD CONSTRAINT "coach_profiles_max_members_check" CHECK ("maxMembers" > 0);

ALTER TABLE "sessions"
  ADD CONSTRAINT "sessions_duration_check" CHECK ("duration" > 0),
  ADD CONSTRAINT "sessions_rating_check" CHECK ("rating" IS NULL OR "rating" BETWEEN 1 AND 5);

ALTER TABLE "session_bookings"
  ADD CONSTRAINT "session_bookings_duration_check" CHECK ("duration" > 0);

ALTER TABLE "calendar_events"
  ADD CONSTRAINT "calendar_events_time_check" CHECK ("endsAt" > "startsAt");
