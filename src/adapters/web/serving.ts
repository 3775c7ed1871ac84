import type { Config } from '../../config.ts';

// The playground lets whoever opens it act as any user, admins included, without a credential: it is
// served only where no one else can reach it, a server bound to loopback, unless the operator says
// otherwise with PLAYGROUND=on (e.g. a shared demo behind a VPN). Production never serves it by itself.

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export interface PlaygroundServing {
  served: boolean;
  /** Why, as one line for the start-up log. */
  reason: string;
}

export function playgroundServing(config: Pick<Config, 'PLAYGROUND' | 'HOST' | 'NODE_ENV'>): PlaygroundServing {
  if (config.PLAYGROUND === 'on') return { served: true, reason: 'PLAYGROUND=on: anyone who reaches this server can act as any user' };
  if (config.PLAYGROUND === 'off') return { served: false, reason: 'PLAYGROUND=off' };
  if (config.NODE_ENV === 'production') return { served: false, reason: 'NODE_ENV is production (PLAYGROUND=on would serve it)' };
  if (!LOOPBACK_HOSTS.has(config.HOST)) return { served: false, reason: `HOST ${config.HOST} is not loopback (PLAYGROUND=on would serve it)` };
  return { served: true, reason: `HOST ${config.HOST} is loopback: only this machine reaches it` };
}
