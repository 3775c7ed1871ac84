-- Issue 32: one member on several platforms (preferred platform, last used, unreachable accounts)
-- and commitments recorded at a session's completion.

-- AlterTable
ALTER TABLE "users" ADD COLUMN "preferredPlatform" "ChatPlatform";

-- AlterTable
ALTER TABLE "chat_identities" ADD COLUMN "lastUsedAt" TIMESTAMP(3),
ADD COLUMN "unreachableAt" TIMESTAMP(3),
ADD COLUMN "unreachableReason" TEXT,
ADD COLUMN "unreachableTold" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "session_commitments" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "dueDate" DATE,
    "doneAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_commitments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "session_commitments_sessionId_position_key" ON "session_commitments"("sessionId", "position");

-- AddForeignKey
ALTER TABLE "session_commitments" ADD CONSTRAINT "session_commitments_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
