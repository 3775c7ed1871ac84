import { parse as parseQuery } from 'node:querystring';
import { z } from 'zod';

// What may reach Bolt. Bolt reads a verified body's shape before any listener of ours runs, and
// some shapes break it there: JSON `null` throws outside any handler (an unhandled rejection, and
// the request is never answered), a payload it cannot type waits three seconds for an ack no
// listener gives, a field of an unexpected type (`"event": "x"`, `"channel": null`) becomes a 500.
// Slack never sends these, so a signed request that does is refused with 400 before Bolt sees it.
// The rules follow Bolt's own order of typing a body (getTypeAndConversation in its helpers.js).

/** Bolt's reading of a body: form-encoded (with the interactivity `payload` field as JSON) or JSON. Throws on bad JSON. */
export function parseSlackBody(raw: string, contentType: string | undefined): unknown {
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = parseQuery(raw);
    return typeof form.payload === 'string' ? JSON.parse(form.payload) : form;
  }
  return JSON.parse(raw);
}

const object = z.object({}).loose();
const text = z.string();

/** The fields Bolt reads of each kind of body (to route it and to build its source: team, user, channel), in the types it reads them as. */
const eventBody = z.object({
  event: z
    .object({
      type: text,
      user: z.union([text, object]).optional(),
      channel: z.union([text, object]).optional(),
      item: object.optional(),
      subteam: object.optional(),
    })
    .loose(),
  authorizations: z.array(object).optional(),
});
const commandBody = z.object({ command: text, channel_id: text.optional() });
/** Interactivity: Bolt reads the channel's id, the user's id, and the team or enterprise of the user. */
const interactive = { channel: z.object({ id: text }).loose().optional(), user: object, team: object.nullish(), enterprise: object.nullish() };
// Our options, shortcut and view listeners match on these ids: a body without one would wait for an ack.
const optionsBody = z.object({ ...interactive, action_id: text });
// Only block actions have a listener (legacy attachments and dialogs are not used).
const actionBody = z.object({ ...interactive, type: z.literal('block_actions'), actions: z.array(object).min(1) });
const viewBody = z.object({ ...interactive, view: object });
const shortcutBody = z.union([z.object({ ...interactive, view: z.object({ callback_id: text }).loose() }), z.object({ ...interactive, view: z.undefined(), callback_id: text })]);

const VIEW_TYPES = new Set(['view_submission', 'view_closed']);
const SHORTCUT_TYPES = new Set(['shortcut', 'message_action']);

/** Whether Bolt can take this parsed body (route it to a listener, or answer it itself) without failing. */
export function isRoutableBody(body: unknown): boolean {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  if (b.ssl_check === '1' || b.type === 'url_verification') return true;
  if (b.event !== undefined) return eventBody.safeParse(b).success;
  if (b.command !== undefined) return commandBody.safeParse(b).success;
  if (b.name !== undefined || b.type === 'block_suggestion') return optionsBody.safeParse(b).success;
  if (b.actions !== undefined || b.type === 'dialog_submission') return actionBody.safeParse(b).success;
  if (SHORTCUT_TYPES.has(b.type as string)) return shortcutBody.safeParse(b).success;
  if (VIEW_TYPES.has(b.type as string)) return viewBody.safeParse(b).success;
  return false;
}
