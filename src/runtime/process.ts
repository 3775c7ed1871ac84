import type { Logger } from 'pino';
import { createApiLogger } from '../api/index.ts';
import { loadConfig, type Config } from '../config.ts';
import { isExplained, reasonOf } from './failure.ts';

// The life of the process: configuration, start-up with a one-line failure, and a graceful stop
// on SIGTERM (what a supervisor sends) or SIGINT (Ctrl-C). Roles are started by composition roots.

/** Something the process runs (the API, later the bot and workers); stopped in reverse start order. */
export interface Role {
  name: string;
  /** Finishes work in flight and releases what the role holds. */
  stop(): Promise<void>;
}

/** Starts the roles; `signal` is aborted by SIGTERM/SIGINT during start-up, ending any wait for a dependency. */
export type Start = (config: Config, logger: Logger, signal: AbortSignal) => Promise<Role[]>;

export async function runProcess(start: Start): Promise<void> {
  // Signals are taken from the first moment. One that arrives while the roles start calls the
  // start-up off: a wait for a dependency (Redis) ends at once, what was opened closes, and the
  // process exits 0, as it would once started, instead of Node's default of dying mid-request or a
  // stop that waits for a dependency that may never come.
  const starting = new AbortController();
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => {
    if (starting.signal.aborted) return;
    logger?.info({ signal }, 'shutting down');
    if (config) exitAfterGrace(config);
    starting.abort(new Error(`${signal} during start-up`));
  };
  process.on('SIGINT', (signal) => onSignal(signal));
  process.on('SIGTERM', (signal) => onSignal(signal));

  let roles: Role[];
  let logger: Logger | undefined;
  let config: Config | undefined;
  try {
    config = loadConfig();
    logger = createApiLogger(config);
    logger.info({ node: process.version, pid: process.pid }, `starting coachbot on Node ${process.version}`);
    roles = await start(config, logger, starting.signal);
  } catch (error) {
    if (starting.signal.aborted && logger) {
      // Called off by a signal: what had opened was closed by the start-up that failed.
      logger.info('stopped');
      process.exit(0);
    }
    // Only a failure we did not foresee (a bug) is worth its stack, and in the logs rather than the terminal.
    if (logger && !isExplained(error)) logger.fatal({ err: error }, 'start-up failed');
    console.error(`coachbot cannot start: ${reasonOf(error)}`);
    process.exit(1);
  }
  const log = logger;
  const settings = config;

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
    exitAfterGrace(settings);
    void stop();
  };

  function exitAfterGrace(settings: Config): void {
    setTimeout(() => {
      logger?.error('shutdown took too long; exiting');
      process.exit(1);
    }, settings.SHUTDOWN_GRACE_SECONDS * 1000).unref();
  }
}
