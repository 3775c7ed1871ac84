-- CreateTable
CREATE TABLE "link_codes" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "issuedById" TEXT,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "link_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "link_guesses" (
    "id" TEXT NOT NULL,
    "platform" "ChatPlatform" NOT NULL,
    "scope" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "link_guesses_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "link_codes_codeHash_key" ON "link_codes"("codeHash");

-- CreateIndex
CREATE INDEX "link_codes_userId_idx" ON "link_codes"("userId");

-- CreateIndex
CREATE INDEX "link_guesses_platform_scope_platformUserId_at_idx" ON "link_guesses"("platform", "scope", "platformUserId", "at");

-- CreateIndex
CREATE INDEX "link_guesses_at_idx" ON "link_guesses"("at");

-- AddForeignKey
ALTER TABLE "link_codes" ADD CONSTRAINT "link_codes_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
