-- CreateTable
CREATE TABLE "chat_installations" (
    "platform" "ChatPlatform" NOT NULL,
    "key" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "chat_installations_pkey" PRIMARY KEY ("platform","key")
);
