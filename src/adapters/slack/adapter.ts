import type { Server } from 'node:http';
import { App, HTTPReceiver, type AllMiddlewareArgs, type AuthorizeResult, type AuthorizeSourceData } from '@slack/bolt';
import { InstallProvider } from '@slack/oauth';
import type { WebClient, WebClientOptions } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger as Pino } from 'pino';
import type { InstallationRecords } from '../../core/chat/installations.ts';
import type { Effect, Inbound, MessageRef } from '../../bot/inbound.ts';
import { AckFirstScheduler } from './ack-first.ts';
import { createWebClient } from './client.ts';
import { createDeliveryLedger } from './deliveries.ts';
import { renderFormErrors } from './render.ts';
import { applyEffects, postResponseUrl } from './effects.ts';
import { createFrontServer, listen } from './http.ts';
import { MalformedPayloadError, parseAction, parseCommand, parseEvent, parseSubmission, type SlackDelivery } from './inbound.ts';
import { createInstallationStore } from './installations.ts';
import { boltLogger } from './logger.ts';
import { createSlackPeople } from './people.ts';
import { createSlackChatPort, type SlackChatPort } from './port.ts';

// The Slack adapter: Bolt receives (over HTTP behind our timestamp check, or Socket Mode), every
// listener acknowledges first and only then does the work: de-duplicate in Redis, look the user up,
// ask the bot, render its effects. Nothing between receipt and ack touches PostgreSQL, Redis or
// Slack's API, so the ack never waits on them.

/** How the adapter reaches Slack, from src/config.ts. */
export interface SlackSettings {
  signingSecret?: string;
  /** Single-workspace install: the bot token (xoxb-). */
  botToken?: string;
  /** Multi-workspace install through OAuth. */
  oauth?: { clientId: string; clientSecret: string; stateSecret: string; scopes: string[]; redirectUri?: string };
  /** Socket Mode instead of HTTP: the app-level token (xapp-). */
  appToken?: string;
  host: string;
  port: number;
  /** Deliveries worked on at once after their acks (see ack-first.ts); 2 unless configured. */
  workConcurrency?: number;
  /** The Web API base (SLACK_API_URL): a proxy or a test double instead of Slack's own. */
  apiUrl?: string;
}

/** The part of the bot the adapter drives. */
export interface SlackBot {
  handle(inbound: Inbound): Promise<Effect[]>;
  /** Where a reply landed, to keep it current (Bot.sent); a bot that keeps nothing current leaves it out. */
  sent?(inbound: Inbound, effect: Effect, sent: MessageRef): Promise<void>;
}

export interface SlackAdapterDeps {
  settings: SlackSettings;
  bot: SlackBot;
  redis: Redis;
  /** Required with `settings.oauth`: where installations are kept (PostgreSQL). */
  installations?: InstallationRecords;
  logger: Pino;
  /** Web API client options beyond the settings (tests turn retries off). */
  clientOptions?: WebClientOptions;
  /** Prefix of the adapter's Redis keys. */
  keyPrefix?: string;
  now?: () => number;
  /** Posts to response_url (tests may record them). */
  postResponse?: (url: string, body: Record<string, unknown>) => Promise<void>;
  /** How long a view submission's ack waits for the bot's answer (SUBMISSION_BUDGET_MS unless given). */
  submissionBudgetMs?: number;
}

/** Within Slack's 3 s for an ack, with room for the round trip. */
const SUBMISSION_BUDGET_MS = 2000;

/** Resolves when `work` settles or `budgetMs` has passed, whichever is first. */
function within(work: Promise<void>, budgetMs: number): Promise<void> {
  if (budgetMs <= 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, budgetMs);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export interface SlackAdapter {
  /** Starts receiving; resolves with the HTTP port (undefined in Socket Mode). */
  start(): Promise<{ port?: number }>;
  /** Stops receiving and waits for the work already acknowledged. */
  stop(): Promise<void>;
  port: SlackChatPort;
  /** Resolves when every acknowledged delivery so far has been worked off. */
  idle(): Promise<void>;
}

export const SLACK_BOT_SCOPES = ['commands', 'chat:write', 'im:write', 'mpim:write', 'users:read', 'im:history'];

export function createSlackAdapter(deps: SlackAdapterDeps): SlackAdapter {
  const { settings, logger } = deps;
  const log = logger.child({ component: 'slack' });
  const prefix = deps.keyPrefix ?? 'coachbot:';
  const now = deps.now ?? Date.now;
  const socketMode = !!settings.appToken;
  if (!settings.botToken && !settings.oauth) throw new Error('Slack needs SLACK_BOT_TOKEN or the OAuth client settings');
  if (settings.oauth && !deps.installations) throw new Error('Slack OAuth needs an installation store');
  // The SDK joins method names onto the base, so it must end with a slash.
  const clientOptions: WebClientOptions = { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl.replace(/\/?$/, '/') } : {}), ...deps.clientOptions };
  if (!socketMode && !settings.signingSecret) throw new Error('Slack over HTTP needs SLACK_SIGNING_SECRET');

  const installer = settings.oauth
    ? new InstallProvider({
        clientId: settings.oauth.clientId,
        clientSecret: settings.oauth.clientSecret,
        stateSecret: settings.oauth.stateSecret,
        installationStore: createInstallationStore(deps.installations!),
        directInstall: true,
        logger: boltLogger(logger),
        clientOptions,
      })
    : undefined;

  // One client per bot token; the map only saves re-creating clients, it holds no state of record.
  const clientsByToken = new Map<string, WebClient>();
  const clientFor = (token: string) => {
    let client = clientsByToken.get(token);
    if (!client) {
      client = createWebClient(token, clientOptions);
      clientsByToken.set(token, client);
    }
    return client;
  };
  async function workspaceClient(teamId: string, enterpriseId?: string): Promise<WebClient> {
    if (settings.botToken) return clientFor(settings.botToken);
    const auth = await installer!.authorize({ teamId, enterpriseId, isEnterpriseInstall: false });
    if (!auth.botToken) throw new Error(`the Slack installation of ${teamId} has no bot token`);
    return clientFor(auth.botToken);
  }

  const ledger = createDeliveryLedger(deps.redis, prefix);
  const people = createSlackPeople(deps.redis, prefix, (error) => log.warn({ err: error }, 'users.info failed'));
  const port = createSlackChatPort((teamId) => workspaceClient(teamId));
  const postResponse = deps.postResponse ?? postResponseUrl;
  const inFlight = new Set<Promise<void>>();
  const scheduler = new AckFirstScheduler(settings.workConcurrency);

  /** `first` sees the bot's effects before they are applied, and answers those still to apply. */
  async function work(delivery: SlackDelivery, first: (effects: Effect[]) => Promise<Effect[]> = async (e) => e): Promise<void> {
    const { origin } = delivery;
    if (!(await ledger.claim(origin.teamId, delivery.key))) {
      log.debug({ key: delivery.key }, 'dropped a redelivered Slack delivery');
      return;
    }
    const client = await workspaceClient(origin.teamId, origin.enterpriseId);
    const ctx = { client, origin, people, postResponse };
    try {
      const user = await people.describe(client, origin.teamId, origin.userId, origin.channel);
      const inbound = { ...delivery.inbound, user } as Inbound;
      const effects = await first(await deps.bot.handle(inbound));
      await applyEffects(ctx, effects, async (effect, ref) => deps.bot.sent?.(inbound, effect, ref));
    } catch (error) {
      log.error({ err: error, key: delivery.key }, 'Slack delivery failed');
      await applyEffects(ctx, [{ type: 'notice', text: 'Sorry, something went wrong. Please try again.' }]).catch(() => undefined);
    }
  }

  /** Whose work it is: one user's deliveries take one work slot at a time (AckFirstScheduler). */
  const userKey = (delivery: SlackDelivery) => `${delivery.origin.teamId}:${delivery.origin.userId}`;

  /** Work tracked so stop() and tests can wait for it. */
  function track(running: Promise<void>): Promise<void> {
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
    return running;
  }

  /** Acknowledged: run the work when the scheduler allows. */
  function afterAck(delivery: SlackDelivery | null): Promise<void> {
    if (!delivery) return Promise.resolve();
    return track(scheduler.run(() => work(delivery).catch((error: unknown) => log.error({ err: error }, 'Slack delivery failed')), userKey(delivery)));
  }

  function parsed(kind: string, parse: () => SlackDelivery | null): SlackDelivery | null | MalformedPayloadError {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof MalformedPayloadError)) throw error;
      log.warn({ kind, reason: error.message }, 'malformed Slack payload');
      return error;
    }
  }

  // Answers instantly: the token (single workspace) is known at start; with OAuth the installation
  // is looked up after the ack, in workspaceClient, so no request waits on PostgreSQL to be acked.
  let identity: AuthorizeResult = {};
  const authorize = async (source: AuthorizeSourceData<boolean>): Promise<AuthorizeResult> => ({
    ...identity,
    teamId: source.teamId,
    enterpriseId: source.enterpriseId,
  });

  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({ signingSecret: settings.signingSecret!, endpoints: '/slack/events', logger: boltLogger(logger) });
  const app = new App({
    ...(receiver ? { receiver } : { socketMode: true, appToken: settings.appToken }),
    authorize,
    ignoreSelf: false,
    convoStore: false,
    logger: boltLogger(logger),
    clientOptions,
  });

  app.command(/.*/, async ({ ack, body }) => {
    const d = parsed('command', () => parseCommand(body));
    if (d instanceof MalformedPayloadError) return ack('Sorry, that command could not be read.');
    await ack();
    await afterAck(d);
  });
  app.action({ type: 'block_actions' }, async ({ ack, body }: AllMiddlewareArgs & { ack: () => Promise<void>; body: unknown }) => {
    await ack();
    const d = parsed('action', () => parseAction(body));
    if (!(d instanceof MalformedPayloadError)) await afterAck(d);
  });
  // A submission is the one input answered after the bot: a form refused for one input is
  // answered in the ack itself (response_action: errors), so the modal stays open with its
  // answers. The bot gets SUBMISSION_BUDGET_MS; past it the ack goes out and the refusal follows as
  // a message with a button that opens the form again.
  app.view({ type: 'view_submission' }, async ({ ack, body }) => {
    const d = parsed('view submission', () => parseSubmission(body));
    if (d instanceof MalformedPayloadError || !d) return ack();
    let acked = false;
    const answerInAck = async (effects: Effect[]) => {
      const refused = effects.find((e) => e.type === 'form' && e.form.refused);
      const errors = refused?.type === 'form' ? renderFormErrors(refused.form) : null;
      if (acked || !errors) return effects;
      acked = true;
      await ack(errors);
      return effects.filter((e) => e !== refused);
    };
    const running = track(work(d, answerInAck).catch((error: unknown) => log.error({ err: error }, 'Slack delivery failed')));
    await within(running, deps.submissionBudgetMs ?? SUBMISSION_BUDGET_MS);
    if (!acked) {
      acked = true;
      await ack();
    }
  });
  // Shortcuts and closed modals are not used by the bot; acknowledged so they never wait on Bolt's timeout.
  app.shortcut(/.*/, async ({ ack }) => ack());
  app.view({ type: 'view_closed' }, async ({ ack }) => ack());
  // Our selects are static (their options are in the message), so an options request has none to add.
  app.options(/.*/, async ({ ack }) => ack({ options: [] }));
  app.event(/.*/, async ({ body }) => {
    // The Events API is acknowledged by Bolt itself before listeners run.
    const d = parsed('event', () => parseEvent(body));
    if (!(d instanceof MalformedPayloadError)) await afterAck(d);
  });
  app.error(async (error) => {
    log.error({ err: error }, 'Slack listener failed');
  });

  let server: Server | undefined;

  return {
    port,
    async start() {
      if (settings.botToken) {
        // Once, before the first request, so no ack waits on auth.test (Bolt would call it lazily).
        const me = await clientFor(settings.botToken).auth.test();
        // No botToken here: our listeners call Slack through clientFor, never through Bolt's client,
        // and without a token Bolt keeps no client pool per team, a plain object that a signed
        // team id like "constructor" turned into a 500.
        identity = { botId: me.bot_id, botUserId: me.user_id };
      }
      if (socketMode) {
        await app.start();
        return {};
      }
      server = createFrontServer({
        receiver: receiver!,
        signingSecret: settings.signingSecret!,
        installer: installer && settings.oauth ? { provider: installer, scopes: settings.oauth.scopes, redirectUri: settings.oauth.redirectUri } : undefined,
        now,
        log,
        scheduler,
      });
      return { port: await listen(server, settings.host, settings.port) };
    },
    async stop() {
      if (socketMode) await app.stop();
      if (server) {
        const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        await closing;
      }
      await Promise.allSettled([...inFlight]);
    },
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
