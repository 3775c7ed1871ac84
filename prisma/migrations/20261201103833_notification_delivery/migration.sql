-- AlterEnum
ALTER TYPE "NotificationStatus" ADD VALUE 'skipped';

-- AlterTable
ALTER TABLE "notifications" ADD COLUMN     "claimedUntil" TIMESTAMP(3),
ADD COLUMN     "queuedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "rescheduledAt" TIMESTAMP(3);
