import { z } from 'zod';
import type { ChatUser } from '../../bot/inbound.ts';

// The part of a Telegram update the adapter reads, parsed at the edge. Anything else (edited
// messages, stickers, channel posts, ...) is recognised as "not for us" and ignored.

const from = z.object({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});
const chat = z.object({ id: z.number().int(), type: z.string() });

export const updateShape = z.object({
  update_id: z.number().int().nonnegative(),
  message: z
    .object({ message_id: z.number().int(), from: from.optional(), chat, text: z.string().optional() })
    .optional(),
  callback_query: z
    .object({
      id: z.string().min(1),
      from,
      data: z.string().optional(),
      message: z.object({ message_id: z.number().int(), chat }).optional(),
    })
    .optional(),
});

export type TelegramUpdate = z.infer<typeof updateShape>;

export type ParsedUpdate =
  | { kind: 'command'; updateId: number; user: ChatUser; chatId: string; isPrivate: boolean; name: string; args: string }
  | { kind: 'text'; updateId: number; user: ChatUser; chatId: string; isPrivate: boolean; text: string }
  | { kind: 'callback'; updateId: number; user: ChatUser; callbackQueryId: string; data: string; chatId?: string; messageId?: number }
  | { kind: 'ignored'; updateId: number; reason: string };

function chatUser(scope: string, user: z.infer<typeof from>, dmChannelId?: string): ChatUser {
  return {
    platform: 'telegram',
    scope,
    platformUserId: String(user.id),
    displayName: [user.first_name, user.last_name].filter(Boolean).join(' '),
    ...(dmChannelId ? { dmChannelId } : {}),
  };
}

/** `/name@bot args` → name and args; a command addressed to another bot is not ours. */
const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+([\s\S]*))?$/;

export function parseUpdate(raw: unknown, scope: string, botUsername: string): ParsedUpdate | { kind: 'malformed'; error: string } {
  const parsed = updateShape.safeParse(raw);
  if (!parsed.success) return { kind: 'malformed', error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const update = parsed.data;
  const updateId = update.update_id;

  if (update.callback_query) {
    const q = update.callback_query;
    if (q.from.is_bot) return { kind: 'ignored', updateId, reason: 'from a bot' };
    const onChat = q.message?.chat;
    const dm = onChat?.type === 'private' ? String(onChat.id) : undefined;
    return {
      kind: 'callback',
      updateId,
      user: chatUser(scope, q.from, dm),
      callbackQueryId: q.id,
      data: q.data ?? '',
      ...(q.message ? { chatId: String(q.message.chat.id), messageId: q.message.message_id } : {}),
    };
  }

  const message = update.message;
  if (!message) return { kind: 'ignored', updateId, reason: 'not a message or callback query' };
  if (!message.from || message.from.is_bot) return { kind: 'ignored', updateId, reason: 'no human sender' };
  if (message.text === undefined) return { kind: 'ignored', updateId, reason: 'not text' };
  const isPrivate = message.chat.type === 'private';
  const user = chatUser(scope, message.from, isPrivate ? String(message.chat.id) : undefined);
  const chatId = String(message.chat.id);
  const command = COMMAND.exec(message.text.trim());
  if (command) {
    if (command[2] && command[2].toLowerCase() !== botUsername.toLowerCase()) return { kind: 'ignored', updateId, reason: 'command for another bot' };
    return { kind: 'command', updateId, user, chatId, isPrivate, name: command[1]!.toLowerCase(), args: (command[3] ?? '').trim() };
  }
  return { kind: 'text', updateId, user, chatId, isPrivate, text: message.text };
}
