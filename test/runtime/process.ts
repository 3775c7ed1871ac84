import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { connect } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REDIS_URL } from '../api/harness.ts';

// The service as a real process, as a supervisor runs it: spawned with an environment, watched
// through its log lines and exit, signalled by pid. Every wait here is for an event.

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The source entry point, as `npm start` runs it after generating the Prisma client. */
export const FROM_SOURCE = [process.execPath, '--import', 'tsx', 'src/main.ts'];
/** The production command README documents, on the Node that runs the tests (npm's Node 24). */
export const FROM_BUILD = [process.execPath, 'dist/src/main.js'];

/**
 * For tests that spawn processes: each spawn loads the whole service, which on a loaded machine can
 * take a minute. The tests wait for events; this only stops a test that would wait forever.
 */
export const SPAWNING = { timeout: 900_000 };

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface ServiceProcess {
  child: ChildProcess;
  /** Resolves with the first log line that matches; rejects if the process exits first. */
  logged(match: (line: LogLine) => boolean): Promise<LogLine>;
  /** Resolves with stderr (the terminal's text) once it matches; rejects if the process exits first. */
  printed(match: RegExp): Promise<string>;
  /** The port from the "ready" log line; rejects with its stderr if the process exits first. */
  ready: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/** A service environment: a free port, the test Redis, logs at info so the ready line is seen. */
export function serviceEnv(env: Record<string, string>): Record<string, string> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  return { ...inherited, HOST: '127.0.0.1', PORT: '0', REDIS_URL, LOG_LEVEL: 'info', NODE_ENV: 'test', BOT_ACTION_SECRET: 'runtime-tests-action-secret', ...env };
}

export function startService(command: readonly string[], env: Record<string, string>): ServiceProcess {
  const [file, ...args] = command;
  const child = spawn(file!, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const lines: LogLine[] = [];
  const waiting = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    out += `${text}\n`;
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return; // npm's own banner, not a log line
    }
    lines.push(line);
    for (const w of waiting) {
      if (w.match(line)) {
        waiting.delete(w);
        w.resolve(line);
      }
    }
  });
  const printing = new EventEmitter();
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    printing.emit('data');
  });
  // 'close' rather than 'exit': by then stdout and stderr have been read to the end.
  const exited = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));

  function logged(match: (line: LogLine) => boolean): Promise<LogLine> {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      waiting.add({ match, resolve });
      void exited.then(({ code, signal }) => reject(new Error(`exited (${code ?? signal}) first; stderr:\n${err}\nstdout:\n${out}`)));
    });
  }
  async function printed(match: RegExp): Promise<string> {
    let gone = false;
    void exited.then(() => (gone = true));
    while (!match.test(err)) {
      if (gone) throw new Error(`exited first without printing ${match}; stderr:\n${err}`);
      await Promise.race([once(printing, 'data'), exited]);
    }
    return err;
  }

  const ready = logged((l) => /admin API ready/.test(l.msg)).then((l) => l.port as number);
  ready.catch(() => undefined);
  return { child, logged, printed, ready, exited, stdout: () => out, stderr: () => err };
}

/** Whether a TCP connection to the port is refused (nothing listens) or accepted. */
export async function isRefused(port: number): Promise<boolean> {
  const socket = connect({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return true;
    // Queued on a listener that closed meanwhile: the next attempt tells.
    if (code === 'ECONNRESET') return false;
    throw error;
  } finally {
    socket.destroy();
  }
}

/** Resolves once the port refuses connections: the listener has closed. */
export async function portClosed(port: number): Promise<void> {
  while (!(await isRefused(port))) {
    // Pacing between attempts, not a bound on the wait.
    await new Promise((r) => setTimeout(r, 10));
  }
}
