import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidSlackRequest, type HTTPReceiver } from '@slack/bolt';
import { ErrorCode, type CallbackOptions, type InstallProvider } from '@slack/oauth';
import type { Logger as Pino } from 'pino';
import type { AckFirstScheduler } from './ack-first.ts';
import { isRoutableBody, parseSlackBody } from './envelope.ts';
import { isFreshTimestamp } from './freshness.ts';

// The adapter's own HTTP server in front of Bolt's HTTPReceiver: it refuses stale or future
// timestamps (401), reads the body (413 over Bolt's limit), checks the signature (401) and refuses
// a signed body Bolt would fail on (400, see envelope.ts); nothing else happens to a refused
// request. It also serves the OAuth install and redirect paths through @slack/oauth when
// multi-workspace install is on.

export const EVENTS_PATH = '/slack/events';
export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

/** Bolt's own limit on a request body (defaultBodyLimit in its HTTPModuleFunctions). */
export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export interface FrontOptions {
  receiver: HTTPReceiver;
  signingSecret: string;
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

/**
 * The request body, or undefined when it is over the limit. The rest of a body over the limit is
 * read and dropped rather than the connection cut, so the client gets its 413.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

type Verdict = { status: 401 | 400 | 413 } | { status: 'pass'; rawBody: Buffer };

/** Whether a fresh request goes on to Bolt, read once here (Bolt reuses the buffered body it finds on the request). */
async function judge(req: IncomingMessage, signingSecret: string): Promise<Verdict> {
  const rawBody = await readBody(req, BODY_LIMIT_BYTES);
  if (!rawBody) return { status: 413 };
  const body = rawBody.toString();
  const contentType = req.headers['content-type'];
  let parsed: unknown;
  try {
    parsed = parseSlackBody(body, contentType);
  } catch {
    parsed = undefined;
  }
  // Slack's unsigned reachability check: Bolt answers it and drops anything else in the body.
  if (contentType === 'application/x-www-form-urlencoded' && (parsed as { ssl_check?: unknown } | undefined)?.ssl_check === '1') {
    return { status: 'pass', rawBody };
  }
  const signature = req.headers['x-slack-signature'];
  const timestamp = Number(req.headers['x-slack-request-timestamp']);
  if (typeof signature !== 'string' || !isValidSlackRequest({ signingSecret, body, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp } })) {
    return { status: 401 };
  }
  return isRoutableBody(parsed) ? { status: 'pass', rawBody } : { status: 400 };
}

/** Slack's answers to an authorization code it will not exchange: the code, not our server, is at fault. */
const REFUSED_CODE = new Set(['invalid_code', 'code_already_used', 'code_expired', 'bad_redirect_uri', 'invalid_client_id', 'bad_client_secret', 'oauth_authorization_url_mismatch']);

/**
 * An install that did not complete. @slack/oauth answers only a missing or bad state or code with
 * 400 and everything else with 500; a user pressing Cancel (error=access_denied) and a code Slack
 * refuses are the request's doing, so they get 400 too. 500 stays for our own failures (the
 * installation store, Slack unreachable).
 */
export function installFailureStatus(error: { code?: string; data?: { error?: unknown } }): 400 | 500 {
  switch (error.code) {
    case ErrorCode.MissingStateError:
    case ErrorCode.InvalidStateError:
    case ErrorCode.MissingCodeError:
    case ErrorCode.AuthorizationError:
      return 400;
    case 'slack_webapi_platform_error':
      return REFUSED_CODE.has(String(error.data?.error)) ? 400 : 500;
    default:
      return 500;
  }
}

const installFailure: CallbackOptions['failure'] = (error, _options, _req, res) => {
  const status = installFailureStatus(error as { code?: string; data?: { error?: unknown } });
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    status === 400
      ? '<html><body><h2>The app was not installed.</h2><p>The installation was cancelled or has expired. Please start again from the install link.</p></body></html>'
      : '<html><body><h2>Something went wrong.</h2><p>The app was not installed. Please try again in a moment.</p></body></html>',
  );
};

export function createFrontServer({ receiver, signingSecret, installer, now, log, scheduler }: FrontOptions): Server {
  async function events(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const verdict = await judge(req, signingSecret);
    if (verdict.status !== 'pass') {
      log.warn({ status: verdict.status }, 'refused a Slack request: over the size limit, not signed by Slack, or a body Slack does not send');
      return refuse(res, verdict.status);
    }
    Object.assign(req, { rawBody: verdict.rawBody });
    receiver.requestListener(req, res);
  }

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
        events(req, res).catch((error: unknown) => {
          log.error({ err: error, path }, 'Slack request failed');
          if (!res.headersSent) refuse(res, 500);
        });
        return;
      }
      if (installer && req.method === 'GET' && path === INSTALL_PATH) {
        void installer.provider.handleInstallPath(req, res, {}, { scopes: installer.scopes, redirectUri: installer.redirectUri });
        return;
      }
      if (installer && req.method === 'GET' && path === REDIRECT_PATH) {
        void installer.provider.handleCallback(req, res, { failure: installFailure }, { scopes: installer.scopes, redirectUri: installer.redirectUri });
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
