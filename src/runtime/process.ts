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
  // Signals are taken from the first moment: one that arrives while the roles start (a server may
  // already answer while the workers still connect) stops the process as soon as they have started,
  // instead of Node's default of dying at once with requests in flight.
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => void (early ??= signal);
  let early: NodeJS.Signals | undefined;
  process.on('SIGINT', (signal) => onSignal(signal));
  process.on('SIGTERM', (signal) => onSignal(signal));

  let roles: Role[];
  let logger: Logger | undefined;
  let config: Config;
  try {
    config = loadConfig();
    logger = await createProcessLogger(config);
    logger.info({ node: process.version, pid: process.pid }, `starting coachbot on Node ${process.version}`);
    roles = await start(config, logger);
    for (const banner of roles.map((role) => role.banner).filter(Boolean)) console.warn(banner);
  } catch (error) {
    // Only a failure we did not foresee (a bug) is worth its stack, and in the logs rather than the terminal.
    if (logger && !isExplained(error)) logger.fatal({ err: error }, 'start-up failed');
    console.error(`coachbot cannot start: ${reasonOf(error)}`);
    process.exit(1);
  }
  const log = logger;
  const graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000;

  let stopping = false;
  async function stop(signal: NodeJS.Signals): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, graceMs).unref();
    try {
      for (const role of [...roles].reverse()) await role.stop();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  }
  onSignal = (signal) => void stop(signal);
  if (early) onSignal(early);
}
