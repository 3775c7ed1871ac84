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

/**
 * Masks the secret of an ICS feed URL, the only URL that carries one: everything after a `calendar`
 * path segment, however it is spelled (any case, percent-encoded, with or without `.ics`, with more
 * segments), since a mistyped feed URL carries the secret just the same. A `.ics` ending is kept.
 */
export function redactUrl(url: string): string {
  const cut = url.search(/[?#]/);
  const path = cut < 0 ? url : url.slice(0, cut);
  const segments = path.split('/');
  const at = segments.findIndex((segment) => decoded(segment).toLowerCase() === 'calendar');
  if (at < 0 || at === segments.length - 1) return url;
  const suffix = /\.ics$/i.exec(path)?.[0] ?? '';
  return `${[...segments.slice(0, at + 1), `[redacted]${suffix}`].join('/')}${cut < 0 ? '' : url.slice(cut)}`;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
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
