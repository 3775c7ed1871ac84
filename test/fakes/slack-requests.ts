import { createHmac, randomUUID } from 'node:crypto';

// Requests as Slack sends them to an app: signed with the signing secret over "v0:<ts>:<body>",
// form-encoded for slash commands and interactivity (a `payload` JSON field), JSON for events.

export interface SignedRequest {
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export interface SendOptions {
  secret: string;
  /** Seconds since the epoch written in X-Slack-Request-Timestamp (default: now). */
  timestamp?: number;
  /** Signs with this secret instead (a forged request). */
  signWith?: string;
}

export function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** POSTs a signed request to the app's events endpoint; resolves with the HTTP answer. */
export async function sendToSlackApp(url: string, request: SignedRequest, options: SendOptions): Promise<{ status: number; body: string }> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': request.contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': sign(options.signWith ?? options.secret, timestamp, request.body),
      ...request.headers,
    },
    body: request.body,
  });
  return { status: res.status, body: await res.text() };
}

export interface SlackActor {
  teamId: string;
  userId: string;
}

export function slashCommand(actor: SlackActor, command: string, text: string, extra: { channel?: string; responseUrl?: string } = {}): SignedRequest {
  const form = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: actor.teamId,
    team_domain: 'test',
    channel_id: extra.channel ?? `D${actor.userId}`,
    channel_name: 'directmessage',
    user_id: actor.userId,
    user_name: actor.userId.toLowerCase(),
    command,
    text,
    api_app_id: 'A0000TEST',
    trigger_id: `${Date.now()}.${randomUUID()}`,
    ...(extra.responseUrl ? { response_url: extra.responseUrl } : {}),
  });
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

function interactivity(payload: Record<string, unknown>): SignedRequest {
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), contentType: 'application/x-www-form-urlencoded' };
}

let actionSeq = 0;

/** A click on a button (or a select option) of a message the bot posted, or of the Home tab. */
export function blockAction(
  actor: SlackActor,
  value: string,
  where: { channel: string; ts: string } | 'home',
  options: { select?: boolean; actionTs?: string; responseUrl?: string } = {},
): SignedRequest {
  const actionTs = options.actionTs ?? `${Math.floor(Date.now() / 1000)}.${String(++actionSeq).padStart(6, '0')}`;
  const action = options.select
    ? { type: 'static_select', action_id: 'a0', block_id: 'b', selected_option: { text: { type: 'plain_text', text: 'x' }, value }, action_ts: actionTs }
    : { type: 'button', action_id: 'a0', block_id: 'b', text: { type: 'plain_text', text: 'x' }, value, action_ts: actionTs };
  const container =
    where === 'home'
      ? { type: 'view', view_id: 'VHOME' }
      : { type: 'message', message_ts: where.ts, channel_id: where.channel, is_ephemeral: false };
  return interactivity({
    type: 'block_actions',
    user: { id: actor.userId, username: actor.userId.toLowerCase(), team_id: actor.teamId },
    api_app_id: 'A0000TEST',
    token: 'legacy-verification-token',
    container,
    trigger_id: `${Date.now()}.${randomUUID()}`,
    team: { id: actor.teamId, domain: 'test' },
    ...(where === 'home' ? { view: { id: 'VHOME', type: 'home' } } : { channel: { id: where.channel, name: 'directmessage' }, message: { ts: where.ts } }),
    ...(options.responseUrl ? { response_url: options.responseUrl } : {}),
    actions: [action],
  });
}

/** A modal the bot opened (its views.open arguments) submitted with these values. */
export function viewSubmission(actor: SlackActor, opened: { view: Record<string, unknown> }, values: Record<string, string>): SignedRequest {
  const view = opened.view as { callback_id: string; private_metadata?: string };
  const state: Record<string, Record<string, { type: string; value: string }>> = {};
  for (const [id, value] of Object.entries(values)) state[id] = { value: { type: 'plain_text_input', value } };
  return interactivity({
    type: 'view_submission',
    team: { id: actor.teamId, domain: 'test' },
    user: { id: actor.userId, team_id: actor.teamId },
    api_app_id: 'A0000TEST',
    trigger_id: `${Date.now()}.${randomUUID()}`,
    view: { id: `V${randomUUID().slice(0, 8)}`, type: 'modal', callback_id: view.callback_id, private_metadata: view.private_metadata ?? '', hash: 'h', state: { values: state } },
  });
}

export function eventCallback(actor: SlackActor, event: Record<string, unknown>, options: { eventId?: string; retryNum?: number } = {}): SignedRequest {
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: actor.teamId,
    api_app_id: 'A0000TEST',
    type: 'event_callback',
    event_id: options.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: actor.teamId, user_id: 'UBOT000001', is_bot: true, is_enterprise_install: false }],
    event,
  });
  return {
    body,
    contentType: 'application/json',
    headers: options.retryNum ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {},
  };
}

export function homeOpened(actor: SlackActor): Record<string, unknown> {
  return { type: 'app_home_opened', user: actor.userId, channel: `D${actor.userId}`, tab: 'home', event_ts: `${Date.now() / 1000}` };
}

export function directMessage(actor: SlackActor, text: string): Record<string, unknown> {
  return { type: 'message', channel_type: 'im', channel: `D${actor.userId}`, user: actor.userId, text, ts: `${Date.now() / 1000}` };
}
