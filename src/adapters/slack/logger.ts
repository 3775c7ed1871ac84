import { LogLevel, type Logger } from '@slack/bolt';
import type { Logger as Pino } from 'pino';

/** Bolt's and the OAuth installer's log lines into the service's pino logger, under `slack`. */
export function boltLogger(pino: Pino): Logger {
  const log = pino.child({ component: 'slack' });
  const line = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => log.debug(line(msg)),
    info: (...msg: unknown[]) => log.info(line(msg)),
    warn: (...msg: unknown[]) => log.warn(line(msg)),
    error: (...msg: unknown[]) => log.error(line(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
