import { z } from 'zod';
import { InteractionType } from 'discord-api-types/v10';
import type { ChatUser, Inbound } from '../../bot/inbound.ts';

// Discord interactions, parsed at the edge into the bot's Inbound shape. Only the fields we use
// are read; anything else in the payload is ignored, and a payload without them is refused.

const snowflake = z.string().regex(/^\d{1,25}$/);
const user = z.object({ id: snowflake, username: z.string().max(100), global_name: z.string().max(100).nullish() });

const component = z.object({ custom_id: z.string().max(100), value: z.string().max(4000).optional() });

export const interactionSchema = z.object({
  id: snowflake,
  application_id: snowflake,
  type: z.number().int(),
  // Goes into the follow-up webhook's URL: Discord's tokens are printable ASCII, and a lone surrogate made building that URL throw.
  token: z.string().regex(/^[\x21-\x7e]{1,500}$/),
  guild_id: snowflake.optional(),
  channel_id: snowflake.optional(),
  channel: z.object({ id: snowflake }).partial().optional(),
  member: z.object({ user }).optional(),
  user: user.optional(),
  message: z.object({ id: snowflake, channel_id: snowflake.optional() }).optional(),
  data: z
    .object({
      name: z.string().max(32).optional(),
      options: z.array(z.object({ name: z.string().max(32), value: z.unknown() })).max(25).optional(),
      custom_id: z.string().max(100).optional(),
      component_type: z.number().int().optional(),
      values: z.array(z.string().max(100)).max(25).optional(),
      components: z.array(z.object({ components: z.array(component).max(5).optional(), component: component.optional() })).max(5).optional(),
    })
    .optional(),
});

export type Interaction = z.infer<typeof interactionSchema>;

export function channelOf(interaction: Interaction): string | undefined {
  return interaction.channel_id ?? interaction.channel?.id;
}

/** Who is acting. Discord user ids are global, so the application is the identity's scope. */
export function chatUserOf(interaction: Interaction): ChatUser | null {
  const u = interaction.member?.user ?? interaction.user;
  if (!u) return null;
  const inDm = !interaction.guild_id;
  const channelId = channelOf(interaction);
  return {
    platform: 'discord',
    scope: interaction.application_id,
    platformUserId: u.id,
    displayName: u.global_name ?? u.username,
    ...(inDm && channelId ? { dmChannelId: channelId } : {}),
  };
}

/** The command's text: its `text` option (every command takes one optional free-text option). */
function commandArgs(interaction: Interaction): string {
  const options = interaction.data?.options ?? [];
  return options
    .map((o) => (typeof o.value === 'string' || typeof o.value === 'number' ? String(o.value) : ''))
    .filter(Boolean)
    .join(' ')
    .trim();
}

/** The bot input an interaction stands for, or null when it is nothing the bot answers. */
export function toInbound(interaction: Interaction): Inbound | null {
  const who = chatUserOf(interaction);
  if (!who) return null;
  const base = { user: who, deliveryId: `discord:${interaction.id}` };
  const data = interaction.data;
  switch (interaction.type) {
    case InteractionType.ApplicationCommand:
      if (!data?.name) return null;
      return { ...base, type: 'command', name: data.name, args: commandArgs(interaction) };
    case InteractionType.MessageComponent: {
      // A select sends the chosen option's value, which is the option's own action.
      const action = data?.values?.length ? data.values[0] : data?.custom_id;
      if (!action) return null;
      const channelId = interaction.message?.channel_id ?? channelOf(interaction);
      return {
        ...base,
        type: 'action',
        action,
        ...(interaction.message && channelId ? { message: { platform: 'discord', channelId, messageId: interaction.message.id } } : {}),
      };
    }
    case InteractionType.ModalSubmit: {
      if (!data?.custom_id) return null;
      const values: Record<string, string> = {};
      for (const row of data.components ?? []) {
        for (const c of [...(row.components ?? []), ...(row.component ? [row.component] : [])]) values[c.custom_id] = c.value ?? '';
      }
      return { ...base, type: 'submit', action: data.custom_id, values };
    }
    default:
      return null;
  }
}
