import { ConfigError } from '../config.ts';

// A process that cannot start says why in one line and exits non-zero: an operator reads the
// cause (which service, which address, which variable), not a stack trace.

/** A start-up failure whose message is already the one line to show. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Where a database URL points, without its credentials. */
export function describeDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

/** Where a Redis URL points, without its credentials. */
export function describeRedisUrl(redisUrl: string): string {
  const url = new URL(redisUrl);
  return `${url.hostname}:${url.port || '6379'}`;
}

/** The first line of what went wrong; Node reports some connect failures as an AggregateError. */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message) return reasonOf(error.errors[0] ?? (error as { code?: string }).code);
  if (error instanceof Error) return (error.message || (error as { code?: string }).code || error.name).split('\n')[0]!;
  return String(error).split('\n')[0]!;
}

/** Failures to reach a server at all, as opposed to a server that answered with an error. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnreachable);
  // node-pg's connectionTimeoutMillis and a server that hangs up during start-up.
  return error instanceof Error && /timeout|terminated unexpectedly/i.test(error.message);
}

/**
 * Runs one start-up step against `server` (e.g. "PostgreSQL at host:5432/db"); any failure becomes a
 * StartupError naming the server and saying whether it could not be reached or what it answered.
 */
export async function step<T>(server: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StartupError || error instanceof ConfigError) throw error;
    const how = isUnreachable(error) ? 'is unreachable' : 'failed';
    throw new StartupError(`${server} ${how}: ${reasonOf(error)}`, { cause: error });
  }
}

/** A server that cannot listen, said in terms of HOST and PORT. */
export function listenFailure(error: unknown, host: string, port: number): StartupError {
  const code = (error as { code?: string }).code;
  const where = `${host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(`port ${port} on ${host} is already in use: stop the other process or set PORT to a free port`);
    case 'EACCES':
      return new StartupError(`no permission to listen on ${where}: set PORT to 1024 or above`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`cannot listen on HOST "${host}": not an address of this machine (${code})`);
    default:
      return new StartupError(`cannot listen on ${where}: ${reasonOf(error)}`, { cause: error });
  }
}

/** Whether the failure is one we explained, as opposed to a bug worth a stack trace in the logs. */
export function isExplained(error: unknown): error is StartupError | ConfigError {
  return error instanceof StartupError || error instanceof ConfigError;
}
