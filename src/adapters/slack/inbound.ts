import { z } from 'zod';
import type { Inbound } from '../../bot/inbound.ts';
import { INPUT_ACTION_ID } from './render.ts';

// Slack payloads -> the bot's Inbound, validated with zod at the edge. Each delivery also yields
// its Origin: where the answer goes (channel, message, response_url, trigger for a modal, Home).

/** The command the App Home tab shows: the user's dashboard. */
export const HOME_COMMAND = 'home';

export interface Origin {
  teamId: string;
  enterpriseId?: string;
  userId: string;
  /** The conversation the input came from, when it came from one. */
  channel?: string;
  /** The message a button or select was used on (for chat.update). */
  messageTs?: string;
  /** Slack's reply URL for commands and message actions (ephemeral answers anywhere). */
  responseUrl?: string;
  /** Lets views.open show a modal, for 3 seconds. */
  triggerId?: string;
  /** Where answers render: messages in a conversation, or the App Home tab. */
  surface: 'conversation' | 'home';
}

/** An Inbound before the sender is looked up (time zone, DM channel). */
export type Unaddressed<T> = T extends unknown ? Omit<T, 'user'> : never;

/** A parsed delivery: the bot's input, where its answers go, and the id that makes a redelivery a duplicate. */
export interface SlackDelivery {
  inbound: Unaddressed<Inbound>;
  origin: Origin;
  /** Unique per delivery in a workspace: a retry or redelivery carries the same one. */
  key: string;
}

export class MalformedPayloadError extends Error {
  constructor(kind: string, issues: z.core.$ZodIssue[]) {
    super(`malformed Slack ${kind}: ${issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
    this.name = 'MalformedPayloadError';
  }
}

function parse<T extends z.ZodType>(kind: string, schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new MalformedPayloadError(kind, result.error.issues);
  return result.data;
}

// Slack's ids (team, user, channel, trigger, action_ts, view) are short printable ASCII. They become
// database keys (chat identities, delivery claims), where a NUL or a lone surrogate is an error.
const id = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'is not a Slack id');

const commandSchema = z.object({
  command: z.string().regex(/^\/[^\s]{1,64}$/),
  text: z.string().max(4000).default(''),
  user_id: id,
  team_id: id,
  enterprise_id: id.optional(),
  channel_id: id,
  trigger_id: id,
  response_url: z.url().optional(),
});

export function parseCommand(body: unknown): SlackDelivery {
  const c = parse('slash command', commandSchema, body);
  return {
    key: `command:${c.trigger_id}`,
    inbound: { type: 'command', name: c.command.slice(1), args: c.text.trim(), deliveryId: `${c.team_id}:${c.trigger_id}` },
    origin: {
      teamId: c.team_id,
      enterpriseId: c.enterprise_id,
      userId: c.user_id,
      channel: c.channel_id,
      responseUrl: c.response_url,
      triggerId: c.trigger_id,
      surface: 'conversation',
    },
  };
}

const teamSchema = z.object({ id }).nullish();
const userSchema = z.object({ id, team_id: id.optional() });

const actionSchema = z.object({
  type: z.literal('block_actions'),
  team: teamSchema,
  enterprise: z.object({ id }).nullish(),
  user: userSchema,
  trigger_id: id,
  response_url: z.url().optional(),
  container: z
    .object({ type: z.string(), channel_id: id.optional(), message_ts: id.optional(), view_id: id.optional() })
    .optional(),
  channel: z.object({ id }).optional(),
  view: z.object({ type: z.string() }).optional(),
  actions: z
    .array(
      z.object({
        action_ts: id,
        value: z.string().max(2000).optional(),
        selected_option: z.object({ value: z.string().max(2000) }).nullish(),
      }),
    )
    .min(1),
});

export function parseAction(body: unknown): SlackDelivery {
  const a = parse('block action', actionSchema, body);
  const used = a.actions[0]!;
  const token = used.value ?? used.selected_option?.value;
  if (!token) throw new MalformedPayloadError('block action', [{ code: 'custom', path: ['actions', 0, 'value'], message: 'has no value', input: undefined }]);
  const teamId = a.team?.id ?? a.user.team_id;
  if (!teamId) throw new MalformedPayloadError('block action', [{ code: 'custom', path: ['team'], message: 'is missing', input: undefined }]);
  const home = a.container?.type === 'view' && a.view?.type === 'home';
  const channel = a.container?.channel_id ?? a.channel?.id;
  const messageTs = a.container?.type === 'message' ? a.container.message_ts : undefined;
  return {
    // A double click sends two deliveries with different action_ts: the bot's own idempotency
    // (and core's one-seat rule) makes them book once; this key only drops exact redeliveries.
    key: `action:${a.user.id}:${used.action_ts}`,
    inbound: {
      type: 'action',
      action: token,
      deliveryId: `${teamId}:${a.user.id}:${used.action_ts}`,
      ...(channel && messageTs ? { message: { platform: 'slack' as const, channelId: `${teamId}/${channel}`, messageId: messageTs } } : {}),
    },
    origin: {
      teamId,
      enterpriseId: a.enterprise?.id,
      userId: a.user.id,
      channel,
      messageTs,
      responseUrl: a.response_url,
      triggerId: a.trigger_id,
      surface: home ? 'home' : 'conversation',
    },
  };
}

const submissionSchema = z.object({
  type: z.literal('view_submission'),
  team: teamSchema,
  enterprise: z.object({ id }).nullish(),
  user: userSchema,
  trigger_id: id.optional(),
  view: z.object({
    id,
    hash: z.string().optional(),
    callback_id: id,
    private_metadata: z.string().max(3000).optional(),
    state: z.object({
      values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().max(4000).nullish() }))),
    }),
  }),
});

const formOriginSchema = z.object({ channel: id.optional() }).catch({});

function formOrigin(metadata: string | undefined): { channel?: string } {
  if (!metadata) return {};
  try {
    return formOriginSchema.parse(JSON.parse(metadata));
  } catch {
    return {};
  }
}

export function parseSubmission(body: unknown): SlackDelivery {
  const s = parse('view submission', submissionSchema, body);
  const teamId = s.team?.id ?? s.user.team_id;
  if (!teamId) throw new MalformedPayloadError('view submission', [{ code: 'custom', path: ['team'], message: 'is missing', input: undefined }]);
  const values: Record<string, string> = {};
  for (const [blockId, elements] of Object.entries(s.view.state.values)) {
    const value = elements[INPUT_ACTION_ID]?.value;
    if (value !== undefined && value !== null) values[blockId] = value;
  }
  const once = s.trigger_id ?? `${s.view.id}:${s.view.hash ?? ''}`;
  return {
    key: `submit:${s.user.id}:${once}`,
    inbound: { type: 'submit', action: s.view.callback_id, values, deliveryId: `${teamId}:${s.user.id}:${once}` },
    origin: {
      teamId,
      enterpriseId: s.enterprise?.id,
      userId: s.user.id,
      channel: formOrigin(s.view.private_metadata).channel,
      triggerId: s.trigger_id,
      surface: 'conversation',
    },
  };
}

const eventEnvelope = z.object({
  event_id: id,
  team_id: id,
  enterprise_id: id.nullish(),
  event: z.object({ type: z.string() }).loose(),
});

const homeOpened = z.object({ type: z.literal('app_home_opened'), user: id, tab: z.string().optional(), channel: id.optional() });
const directMessage = z.object({
  type: z.literal('message'),
  channel_type: z.literal('im'),
  user: id,
  channel: id,
  text: z.string().max(40_000).default(''),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
});

/** An Events API delivery the bot cares about, or null for events it ignores (its own messages, edits). */
export function parseEvent(body: unknown): SlackDelivery | null {
  const envelope = parse('event', eventEnvelope, body);
  const base = { teamId: envelope.team_id, enterpriseId: envelope.enterprise_id ?? undefined };
  const key = `event:${envelope.event_id}`;
  const deliveryId = `${envelope.team_id}:${envelope.event_id}`;
  if (envelope.event.type === 'app_home_opened') {
    const e = parse('app_home_opened event', homeOpened, envelope.event);
    // The Messages tab opening is not a dashboard request.
    if (e.tab && e.tab !== 'home') return null;
    return {
      key,
      inbound: { type: 'command', name: HOME_COMMAND, args: '', deliveryId },
      origin: { ...base, userId: e.user, channel: e.channel, surface: 'home' },
    };
  }
  if (envelope.event.type === 'message') {
    const m = parse('message event', directMessage, envelope.event);
    if (m.bot_id || m.subtype) return null;
    return {
      key,
      inbound: { type: 'text', text: m.text, deliveryId },
      origin: { ...base, userId: m.user, channel: m.channel, surface: 'conversation' },
    };
  }
  return null;
}
