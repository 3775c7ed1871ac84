-- CreateTable
CREATE TABLE "chat_deliveries" (
    "platform" "ChatPlatform" NOT NULL,
    "scope" TEXT NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "effects" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_deliveries_pkey" PRIMARY KEY ("platform","scope","deliveryId")
);

-- CreateTable
CREATE TABLE "chat_states" (
    "platform" "ChatPlatform" NOT NULL,
    "scope" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "chat_states_pkey" PRIMARY KEY ("platform","scope","platformUserId","key")
);

-- CreateTable
CREATE TABLE "chat_live_messages" (
    "platform" "ChatPlatform" NOT NULL,
    "channelId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "viewerId" TEXT NOT NULL,
    "coachId" TEXT NOT NULL,
    "sessionId" TEXT,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "screen" JSONB NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "chat_live_messages_pkey" PRIMARY KEY ("platform","channelId","messageId")
);

-- CreateIndex
CREATE INDEX "chat_deliveries_createdAt_idx" ON "chat_deliveries"("createdAt");

-- CreateIndex
CREATE INDEX "chat_states_expiresAt_idx" ON "chat_states"("expiresAt");

-- CreateIndex
CREATE INDEX "chat_live_messages_coachId_startsAt_idx" ON "chat_live_messages"("coachId", "startsAt");

-- CreateIndex
CREATE INDEX "chat_live_messages_sessionId_idx" ON "chat_live_messages"("sessionId");

-- CreateIndex
CREATE INDEX "chat_live_messages_expiresAt_idx" ON "chat_live_messages"("expiresAt");

-- AddForeignKey
ALTER TABLE "chat_live_messages" ADD CONSTRAINT "chat_live_messages_viewerId_fkey" FOREIGN KEY ("viewerId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
