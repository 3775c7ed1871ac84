-- A key records every answer given under it: a refusal has no resource, and keeps what was answered.
-- AlterTable
ALTER TABLE "idempotency_keys" ADD COLUMN     "refusal" JSONB,
ALTER COLUMN "resourceId" DROP NOT NULL;
