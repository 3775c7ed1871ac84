import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { Logger } from 'pino';

// The HTTPS endpoint Telegram posts updates to. It checks the secret Telegram was given with
// setWebhook before reading the body, answers 200 at once (ack first: Telegram holds further
// updates for the bot while it waits), then hands the update on. Updates of one user are handled
// in arrival order, so quick replies to a form are never taken out of turn.

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** Constant-time comparison: hashing first makes both sides the same length. */
export function secretMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function senderOf(update: Record<string, unknown>): string | undefined {
  for (const part of ['message', 'callback_query', 'edited_message'] as const) {
    const from = (update[part] as { from?: { id?: unknown } } | undefined)?.from?.id;
    if (typeof from === 'number') return String(from);
  }
  return undefined;
}

export interface WebhookReceiverOptions {
  path: string;
  secret: string;
  logger: Logger;
  /** Handles one acknowledged update; must not throw (errors are logged by the caller). */
  onUpdate: (update: Record<string, unknown>) => Promise<void>;
  /** Telegram's updates are small; anything bigger is not one. */
  bodyLimit?: number;
}

export function createWebhookReceiver({ path, secret, logger, onUpdate, bodyLimit = 1024 * 1024 }: WebhookReceiverOptions) {
  const app = Fastify({ logger: false, bodyLimit });
  const inFlight = new Set<Promise<void>>();
  const lastOfSender = new Map<string, Promise<void>>();

  function dispatch(update: Record<string, unknown>): void {
    const sender = senderOf(update);
    const previous = (sender && lastOfSender.get(sender)) || Promise.resolve();
    const work = previous
      .then(() => onUpdate(update))
      .catch((error: unknown) => logger.error({ err: error, updateId: update.update_id }, 'telegram: update handler failed'))
      .finally(() => {
        inFlight.delete(work);
        if (sender && lastOfSender.get(sender) === work) lastOfSender.delete(sender);
      });
    inFlight.add(work);
    if (sender) lastOfSender.set(sender, work);
  }

  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || request.url.split('?')[0] !== path) return reply.code(404).send({ ok: false, description: 'Not Found' });
    if (!secretMatches(request.headers[SECRET_HEADER], secret)) {
      logger.warn({ ip: request.ip, present: request.headers[SECRET_HEADER] !== undefined }, 'telegram webhook: missing or wrong secret token');
      return reply.code(401).send({ ok: false, description: 'Unauthorized' });
    }
  });

  app.post(path, async (request, reply) => {
    const body = request.body as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || !Number.isSafeInteger(body.update_id)) {
      logger.warn('telegram webhook: a body that is not an update');
      return reply.code(400).send({ ok: false, description: 'Bad Request: expected a Telegram update with update_id' });
    }
    dispatch(body);
    return reply.code(200).send({ ok: true });
  });

  return {
    async listen(host: string, port: number): Promise<AddressInfo> {
      await app.listen({ host, port });
      return app.server.address() as AddressInfo;
    },
    /** Resolves when every update received so far has been handled. */
    async idle(): Promise<void> {
      while (inFlight.size) await Promise.all(inFlight);
    },
    async close(): Promise<void> {
      await app.close();
      await this.idle();
    },
  };
}

export type WebhookReceiver = ReturnType<typeof createWebhookReceiver>;
