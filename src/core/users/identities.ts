import { z } from 'zod';
import type { DbTx } from '../../db/client.ts';
import { ConflictError } from '../errors.ts';
import { isUniqueViolation } from './records.ts';
import { singleLine } from './inputs.ts';

const platformId = singleLine(191);

/** Who someone is on one chat platform: unique per (platform, scope, platformUserId). */
export const chatIdentityInput = z.object({
  platform: z.enum(['slack', 'discord', 'telegram', 'web']),
  /** Workspace (Slack team), guild (Discord) or bot (Telegram) the platform user id is valid in. */
  scope: platformId,
  platformUserId: platformId,
  dmChannelId: platformId.nullish(),
});

export type ChatIdentityInput = z.output<typeof chatIdentityInput>;

/** Links a chat identity to a user; an identity already linked to anyone is a ConflictError. */
export async function linkChatIdentity(tx: DbTx, userId: string, identity: ChatIdentityInput) {
  try {
    return await tx.chatIdentity.create({
      data: {
        userId,
        platform: identity.platform,
        scope: identity.scope,
        platformUserId: identity.platformUserId,
        dmChannelId: identity.dmChannelId ?? null,
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('already_signed_up', 'This chat account is already signed up');
    throw error;
  }
}
