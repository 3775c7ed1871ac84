import { z } from 'zod';
import type { CoreDeps } from '../deps.ts';
import { isAdmin, type Actor } from '../access/index.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { pageArgs, pageInput, toPage, type Page } from '../pagination.ts';
import { id, parseInput } from '../validation.ts';
import { directKey } from './direct.ts';

const conversationInclude = {
  participants: { select: { userId: true, joinedAt: true, user: { select: { name: true } } }, orderBy: { userId: 'asc' } },
} as const;

const listInput = pageInput.extend({
  /** Whose conversations; defaults to the actor's own, and only admins may name someone else. */
  userId: id.optional(),
  type: z.enum(['direct', 'group']).optional(),
});

const directInput = z.object({ userId: id, otherUserId: id });

export function createConversationsService({ db }: Pick<CoreDeps, 'db'>) {
  type ConversationView = Awaited<ReturnType<typeof findWithParticipants>>;

  function findWithParticipants(where: { id: string } | { directKey: string }) {
    return db.conversation.findUnique({ where, include: conversationInclude });
  }

  function requireParticipantOrAdmin(actor: Actor, conversation: NonNullable<ConversationView>) {
    if (isAdmin(actor) || conversation.participants.some((p) => p.userId === actor.userId)) return;
    throw new ForbiddenError('not_a_participant', 'You are not a participant of this conversation');
  }

  return {
    /** Conversations a user takes part in, newest first. */
    async list(actor: Actor, input: z.input<typeof listInput> = {}): Promise<Page<NonNullable<ConversationView>>> {
      const page = parseInput(listInput, input);
      const userId = page.userId ?? actor.userId;
      if (userId !== actor.userId && !isAdmin(actor)) {
        throw new ForbiddenError('not_your_conversations', 'You can only list your own conversations');
      }
      const rows = await db.conversation.findMany({
        where: { participants: { some: { userId } }, ...(page.type ? { type: page.type } : {}) },
        include: conversationInclude,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        ...pageArgs(page),
      });
      return toPage(rows, page);
    },

    async get(actor: Actor, conversationId: string) {
      const input = parseInput(z.object({ conversationId: id }), { conversationId });
      const conversation = await findWithParticipants({ id: input.conversationId });
      if (!conversation) throw new NotFoundError('Conversation', input.conversationId);
      requireParticipantOrAdmin(actor, conversation);
      return conversation;
    },

    /** The direct conversation of two users, or null when they have none yet. */
    async getDirect(actor: Actor, userId: string, otherUserId: string) {
      const input = parseInput(directInput, { userId, otherUserId });
      if (!isAdmin(actor) && actor.userId !== input.userId && actor.userId !== input.otherUserId) {
        throw new ForbiddenError('not_a_participant', 'You are not a participant of this conversation');
      }
      return findWithParticipants({ directKey: directKey(input.userId, input.otherUserId) });
    },
  };
}

export type ConversationsService = ReturnType<typeof createConversationsService>;

