import { randomBytes, verify } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { InteractionResponseType } from 'discord-api-types/v10';
import { Redis } from 'ioredis';
import { createDiscordAdapter } from '../src/adapters/discord/index.ts';
import { publicKeyFromHex } from '../src/adapters/discord/signature.ts';
import { BOT_COMMANDS } from '../src/bot/index.ts';
import { benchBot } from './bot.ts';

// The apps under test, in a process of their own (forked by bench/discord.ts): a bare Fastify
// handler that checks the Ed25519 signature and answers, and our adapter's interactions endpoint
// (signature, parse, de-duplication, the acknowledgement; the bot's answer follows), each on its own port.
// IPC: {apiBase, applicationId, publicKeyHex} -> {users, clicks, bare, ours}; 'idle'; 'stop'.

interface Start {
  apiBase: string;
  applicationId: string;
  publicKeyHex: string;
}

const PATH = '/discord/interactions';

/** Keeps the body as bytes: the signature covers the raw body. */
function rawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

async function bareApp(publicKeyHex: string): Promise<FastifyInstance> {
  const key = publicKeyFromHex(publicKeyHex);
  const app = Fastify();
  rawBodies(app);
  app.post(PATH, async (request, reply) => {
    const signature = String(request.headers['x-signature-ed25519'] ?? '');
    const timestamp = String(request.headers['x-signature-timestamp'] ?? '');
    const signed = Buffer.concat([Buffer.from(timestamp), request.body as Buffer]);
    if (!verify(null, signed, key, Buffer.from(signature, 'hex'))) return reply.code(401).send();
    JSON.parse((request.body as Buffer).toString('utf8'));
    return { type: InteractionResponseType.DeferredMessageUpdate };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

process.once('message', (start: Start) => void serve(start));

async function serve(start: Start): Promise<void> {
  const bench = await benchBot({ platform: 'discord', scope: start.applicationId, platformUserId: (i) => String(300000000000000000n + BigInt(i)) });
  const bare = await bareApp(start.publicKeyHex);

  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keyPrefix = `bench:discord:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const silent = { info() {}, warn() {}, error() {} };
  const adapter = createDiscordAdapter({
    settings: {
      applicationId: start.applicationId,
      botToken: 'bench-bot-token',
      publicKey: start.publicKeyHex,
      mode: 'http',
      apiBase: start.apiBase,
      answerBudgetMs: 1500,
      keyPrefix,
      restRetries: 0,
    },
    bot: bench.bot,
    redis,
    logger: silent,
    commands: BOT_COMMANDS,
  });
  const ours = Fastify();
  await adapter.start(ours);
  await ours.listen({ host: '127.0.0.1', port: 0 });

  process.on('message', async (msg: string) => {
    if (msg === 'idle') {
      await adapter.idle();
      process.send!('idle');
    } else if (msg === 'stop') {
      await ours.close();
      await adapter.stop();
      await bare.close();
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await bench.close();
      process.send!('stopped', () => process.exit(0));
    }
  });
  const port = (app: FastifyInstance) => (app.server.address() as { port: number }).port;
  process.send!({ users: bench.users, clicks: bench.clicks, bare: port(bare), ours: port(ours) });
}
