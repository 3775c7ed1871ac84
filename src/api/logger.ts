import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.ts';

// Structured logs without secrets: bearer tokens live in headers (never logged, and redacted should a
// header object ever be logged), calendar feed tokens live in the URL (masked by the serializer).

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  '*.token',
  'tokenHash',
  '*.tokenHash',
];

/** The secret part of an ICS feed URL, the only URL that carries a secret. */
const FEED_TOKEN = /(\/calendar\/)[^/?#]+(\.ics)/g;

export function redactUrl(url: string): string {
  return url.replace(FEED_TOKEN, '$1[redacted]$2');
}

interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  host?: string;
}

export function createApiLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: {
        req: (req: LoggedRequest) => ({ method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip }),
        err: stdSerializers.err,
      },
    },
    destination,
  );
}
