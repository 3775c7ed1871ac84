import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HTTPReceiver } from '@slack/bolt';
import type { InstallProvider } from '@slack/oauth';
import type { Logger as Pino } from 'pino';
import type { AckFirstScheduler } from './ack-first.ts';
import { isFreshTimestamp } from './freshness.ts';

// The adapter's own HTTP server in front of Bolt's HTTPReceiver: it refuses stale or future
// timestamps before Bolt checks the signature (401, nothing else happens), and serves the OAuth
// install and redirect paths through @slack/oauth when multi-workspace install is on.

export const EVENTS_PATH = '/slack/events';
export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

export interface FrontOptions {
  receiver: HTTPReceiver;
  installer?: { provider: InstallProvider; scopes: string[]; redirectUri?: string };
  now: () => number;
  log: Pino;
  /** Told when a request arrives and when it has been answered, so work yields to pending acks. */
  scheduler: AckFirstScheduler;
}

function refuse(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end();
}

export function createFrontServer({ receiver, installer, now, log, scheduler }: FrontOptions): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (path === EVENTS_PATH && req.method === 'POST') {
        if (!isFreshTimestamp(req.headers['x-slack-request-timestamp'], now())) {
          log.warn({ path }, 'refused a Slack request with a missing or stale timestamp');
          req.resume();
          return refuse(res, 401);
        }
        // 'finish' when the answer is written; 'close' too, for a client that went away first.
        const answered = scheduler.arrived();
        res.once('finish', answered);
        res.once('close', answered);
        receiver.requestListener(req, res);
        return;
      }
      if (installer && req.method === 'GET' && path === INSTALL_PATH) {
        void installer.provider.handleInstallPath(req, res, {}, { scopes: installer.scopes, redirectUri: installer.redirectUri });
        return;
      }
      if (installer && req.method === 'GET' && path === REDIRECT_PATH) {
        void installer.provider.handleCallback(req, res, undefined, { scopes: installer.scopes, redirectUri: installer.redirectUri });
        return;
      }
      req.resume();
      refuse(res, 404);
    } catch (error) {
      log.error({ err: error, path }, 'Slack request failed');
      if (!res.headersSent) refuse(res, 500);
    }
  });
}

export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
