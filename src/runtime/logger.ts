import type { Logger } from 'pino';
import { createApiLogger } from '../api/index.ts';
import type { Config } from '../config.ts';

// The process's logger. Production (and the tests, which parse the lines) log JSON, one object a
// line, for log collectors. A developer's `npm start` (NODE_ENV=development) logs readable lines
// through pino-pretty, in this thread and synchronously rather than in pino's transport worker, so
// that the start-up banner printed after the last line (runProcess) really comes last on screen.

export async function createProcessLogger(config: Pick<Config, 'NODE_ENV' | 'LOG_LEVEL'>, stream: NodeJS.WritableStream = process.stdout): Promise<Logger> {
  if (config.NODE_ENV !== 'development') return createApiLogger(config);
  // A development dependency: loaded only here, never in the production image.
  const { default: pretty } = await import('pino-pretty');
  return createApiLogger(
    config,
    pretty({ destination: stream, sync: true, colorize: 'isTTY' in stream && stream.isTTY === true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }),
  );
}
