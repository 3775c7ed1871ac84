import type { Logger } from 'pino';
import { createProcessLogger } from './logger.ts';
import { loadConfig, type Config } from '../config.ts';
import { isExplained, reasonOf } from './failure.ts';

// The life of the process: configuration, start-up with a one-line failure, and a graceful stop
// on SIGTERM (what a supervisor sends) or SIGINT (Ctrl-C). Roles are started by composition roots.

/** Something the process runs (the API, later the bot and workers); stopped in reverse start order. */
export interface Role {
  name: string;
  /** Finishes work in flight and releases what the role holds. */
  stop(): Promise<void>;
  /** Printed to the terminal once every role has started: the last thing a developer sees of the start. */
  banner?: string | undefined;
}

export type Start = (config: Config, logger: Logger) => Promise<Role[]>;

export async function runProcess(start: Start): Promise<void> {
  // Signals are taken from the first moment. One that arrives while the roles start calls the
  // start-up off and the process exits 0 at once, as it would once started, instead of a stop that
  // waits for a dependency (Redis) that may never come.
  const starting = new AbortController();
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => {
    if (starting.signal.aborted) return;
    logger?.info({ signal }, 'shutting down');
    starting.abort(new Error(`${signal} during start-up`));
  };
  process.on('SIGINT', (signal) => onSignal(signal));
  process.on('SIGTERM', (signal) => onSignal(signal));

  let roles: Role[];
  let logger: Logger | undefined;
  let config: Config | undefined;
  try {
    config = loadConfig();
    logger = await createProcessLogger(config);
    logger.info({ node: process.version, pid: process.pid }, `starting coachbot on Node ${process.version}`);
    // A start-up still waiting (for Redis, for a query) when a signal comes is not waited for:
    // the server opens last, so until then nothing is being served that would need finishing.
    roles = await Promise.race([start(config, logger), calledOff(starting.signal)]);
    for (const banner of roles.map((role) => role.banner).filter(Boolean)) console.warn(banner);
  } catch (error) {
    if (starting.signal.aborted && logger) {
      // Called off by a signal: exiting closes the connections start-up had opened.
      logger.info('stopped');
      process.exit(0);
    }
    // Only a failure we did not foresee (a bug) is worth its stack, and in the logs rather than the terminal.
    if (logger && !isExplained(error)) logger.fatal({ err: error }, 'start-up failed');
    console.error(`coachbot cannot start: ${reasonOf(error)}`);
    process.exit(1);
  }
  const log = logger;
  const graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000;

  async function stop(): Promise<void> {
    try {
      for (const role of [...roles].reverse()) await role.stop();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  }
  // A signal during start-up whose start finished all the same (nothing waited): stop the roles now.
  if (starting.signal.aborted) return stop();
  let stopping = false;
  onSignal = (signal) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, graceMs).unref();
    void stop();
  };
}

/** Rejects once the signal is aborted (and never otherwise). */
function calledOff(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
}
