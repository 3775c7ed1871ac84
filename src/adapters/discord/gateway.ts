import { Client, GatewayIntentBits, type ClientOptions } from 'discord.js';
import { Routes, type APIInteraction } from 'discord-api-types/v10';
import type { REST } from '@discordjs/rest';
import type { Dispatch } from './dispatch.ts';

// Gateway mode: the discord.js Client holds the WebSocket and hands us each INTERACTION_CREATE as
// it came off the wire; the initial response then goes back through the REST callback endpoint.
// For a bot without a public URL (local use, a single instance); HTTP mode scales out instead.

export interface GatewayOptions {
  token: string;
  dispatch: Dispatch;
  rest: REST;
  track: (work: Promise<void>) => void;
  restOptions?: ClientOptions['rest'];
}

export async function connectGateway(options: GatewayOptions): Promise<Client> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    ...(options.restOptions ? { rest: options.restOptions } : {}),
  });
  client.on('raw', (packet: { t?: string; d?: unknown }) => {
    if (packet.t !== 'INTERACTION_CREATE' || !packet.d) return;
    const raw = packet.d as APIInteraction;
    options.track(
      options.dispatch(raw, async (response) => {
        await options.rest.post(Routes.interactionCallback(raw.id, raw.token), { body: response, auth: false });
      }),
    );
  });
  const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
  await client.login(options.token);
  await ready;
  return client;
}
