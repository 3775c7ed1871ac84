-- Session packages, the append-only credit ledger and the cancellation policy (docs/design.md §12).
-- CreateEnum
CREATE TYPE "CreditEntryKind" AS ENUM ('grant', 'reserve', 'release', 'consume', 'expire', 'adjust');

-- AlterTable
ALTER TABLE "coach_profiles" ADD COLUMN     "cancellationCutoffHours" INTEGER NOT NULL DEFAULT 24,
ADD COLUMN     "lateCancelConsumes" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "noShowConsumes" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "requiresCredits" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "cancelledLate" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "credit_packages" (
    "id" TEXT NOT NULL,
    "coachId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sessions" INTEGER NOT NULL,
    "validityDays" INTEGER NOT NULL,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "credit_packages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credit_ledger" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "coachId" TEXT NOT NULL,
    "kind" "CreditEntryKind" NOT NULL,
    "amount" INTEGER NOT NULL,
    "grantId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "packageId" TEXT,
    "sessionId" TEXT,
    "reservedFor" TEXT,
    "settledFor" TEXT,
    "reason" TEXT,
    "actorId" TEXT,
    "at" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_ledger_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "credit_packages_coachId_idx" ON "credit_packages"("coachId");

-- CreateIndex
CREATE UNIQUE INDEX "credit_ledger_reservedFor_key" ON "credit_ledger"("reservedFor");

-- CreateIndex
CREATE UNIQUE INDEX "credit_ledger_settledFor_key" ON "credit_ledger"("settledFor");

-- CreateIndex
CREATE INDEX "credit_ledger_memberId_coachId_at_idx" ON "credit_ledger"("memberId", "coachId", "at");

-- CreateIndex
CREATE INDEX "credit_ledger_grantId_idx" ON "credit_ledger"("grantId");

-- CreateIndex
CREATE INDEX "credit_ledger_kind_expiresAt_idx" ON "credit_ledger"("kind", "expiresAt");

-- AddForeignKey
ALTER TABLE "credit_packages" ADD CONSTRAINT "credit_packages_coachId_fkey" FOREIGN KEY ("coachId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "member_profiles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_coachId_fkey" FOREIGN KEY ("coachId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_packageId_fkey" FOREIGN KEY ("packageId") REFERENCES "credit_packages"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- The ledger is append-only: an entry is never changed or removed, a correction is a new entry.
CREATE FUNCTION "credit_ledger_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_ledger is append-only: % refused', TG_OP USING ERRCODE = 'CB405';
END
$$;
CREATE TRIGGER "credit_ledger_append_only" BEFORE UPDATE OR DELETE ON "credit_ledger"
  FOR EACH ROW EXECUTE FUNCTION "credit_ledger_append_only"();

-- A booking's credit, reserved under the coach lock in the same multi-statement query as the
-- booking's write, the lock and booking_recheck (src/core/bookings/service.ts), so that the lock is
-- never held across a round trip to the application. Nothing for a coach who does not require
-- credits. Otherwise one credit of the member's oldest live grant with credit left is reserved for
-- the session; with none left it raises SQLSTATE CB402 and the service answers no_credits. It runs
-- after the lock, so its snapshot sees every reservation the lock's previous holders committed.
CREATE FUNCTION "credits_reserve"(p_coach text, p_member text, p_session text, p_actor text, p_now timestamp(3))
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_grant text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "coach_profiles" WHERE "userId" = p_coach AND "requiresCredits") THEN
    RETURN;
  END IF;
  SELECT g."id" INTO v_grant
    FROM "credit_ledger" g
    WHERE g."memberId" = p_member AND g."coachId" = p_coach AND g."id" = g."grantId" AND g."amount" > 0
      AND (g."expiresAt" IS NULL OR g."expiresAt" > p_now)
      AND (SELECT sum(e."amount") FROM "credit_ledger" e WHERE e."grantId" = g."id") > 0
    ORDER BY g."at", g."id"
    LIMIT 1;
  IF v_grant IS NULL THEN
    RAISE EXCEPTION 'credits_reserve: no credit left' USING ERRCODE = 'CB402';
  END IF;
  INSERT INTO "credit_ledger" ("id", "memberId", "coachId", "kind", "amount", "grantId", "sessionId", "reservedFor", "actorId", "at")
    VALUES (gen_random_uuid()::text, p_member, p_coach, 'reserve', -1, v_grant, p_session, p_session, p_actor, p_now);
END
$$;
