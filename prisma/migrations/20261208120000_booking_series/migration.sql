-- A recurring series booked at once (docs/design.md §9)

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN "seriesId" TEXT,
ADD COLUMN "seriesPosition" INTEGER;

-- CreateTable
CREATE TABLE "booking_series" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "coachId" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "firstStartsAt" TIMESTAMP(3) NOT NULL,
    "localTime" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "interval" INTEGER NOT NULL,
    "duration" INTEGER NOT NULL,
    "allOrNothing" BOOLEAN NOT NULL,
    "occurrences" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_series_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sessions_seriesId_seriesPosition_key" ON "sessions"("seriesId", "seriesPosition");

-- CreateIndex
CREATE INDEX "booking_series_memberId_idx" ON "booking_series"("memberId");

-- CreateIndex
CREATE INDEX "booking_series_coachId_idx" ON "booking_series"("coachId");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_seriesId_fkey" FOREIGN KEY ("seriesId") REFERENCES "booking_series"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_series" ADD CONSTRAINT "booking_series_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "member_profiles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_series" ADD CONSTRAINT "booking_series_coachId_fkey" FOREIGN KEY ("coachId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Sane shapes whatever writes them
ALTER TABLE "booking_series" ADD CONSTRAINT "booking_series_count_check" CHECK ("count" BETWEEN 2 AND 26);
ALTER TABLE "booking_series" ADD CONSTRAINT "booking_series_interval_check" CHECK ("interval" IN (1, 2));
