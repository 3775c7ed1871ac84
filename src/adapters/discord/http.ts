import type { KeyObject } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { APIInteractionResponse } from 'discord-api-types/v10';
import { verifyInteractionSignature } from './signature.ts';
import type { Dispatch } from './dispatch.ts';

// The HTTP interactions endpoint: Discord POSTs each interaction here, signed with Ed25519. The
// signature covers the raw body, so this plugin keeps the body as bytes and parses JSON itself.

export interface DiscordHttpOptions {
  publicKey: KeyObject;
  dispatch: Dispatch;
  /** Work still running after its answer was sent; the adapter waits for it on stop. */
  track: (work: Promise<void>) => void;
  now?: () => number;
  path?: string;
}

const BODY_LIMIT = 64 * 1024;

export const discordHttpPlugin: FastifyPluginAsync<DiscordHttpOptions> = async (app, options) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));

  // Discord's endpoint, not the admin API's: it stays out of /openapi.json.
  app.post(options.path ?? '/discord/interactions', { bodyLimit: BODY_LIMIT, schema: { hide: true } }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const check = verifyInteractionSignature(
      options.publicKey,
      { signature: header('x-signature-ed25519'), timestamp: header('x-signature-timestamp') },
      raw,
      (options.now ?? Date.now)(),
    );
    if (!check.ok) {
      return reply.code(401).send({ statusCode: 401, error: 'invalid_signature', message: `Request signature ${check.reason}` });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      return reply.code(400).send({ statusCode: 400, error: 'validation_failed', message: 'Body is not valid JSON' });
    }
    const response = await new Promise<APIInteractionResponse>((resolve, reject) => {
      const work = options.dispatch(payload, async (initial) => resolve(initial));
      // Settling after the answer is a no-op; this only catches work that ended without one.
      options.track(work.then(() => reject(new Error('interaction finished without an answer')), reject));
    });
    return reply.code(200).send(response);
  });
};
