import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { cloneTemplate, dropDatabase, withAdmin } from '../helpers/postgres.ts';
import { FROM_SOURCE, ROOT, serviceEnv, SPAWNING } from './process.ts';

// `npm start` on a developer machine (NODE_ENV=development), as its terminal shows it: stdout and
// stderr in one stream, in the order written. Readable log lines rather than JSON, none for the
// warm-up's own requests, and the first screen ends with the banner: the playground, the first
// start's token, the first commands. Nothing is logged after it until the process is stopped.

const { name, url } = await cloneTemplate();
afterAll(() => withAdmin((client) => dropDatabase(client, name)), SPAWNING.timeout);

describe('development logs', SPAWNING, () => {
  it('are readable lines without the warm-up requests, and the banner ends the first screen', async () => {
    const [node, ...args] = FROM_SOURCE;
    // One pipe for both streams, as a terminal shows them.
    const child = spawn('sh', ['-c', 'exec "$@" 2>&1', 'sh', node!, ...args], {
      cwd: ROOT,
      env: serviceEnv({ DATABASE_URL: url, NODE_ENV: 'development' }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    const bannerEnd = new Promise<void>((resolve) =>
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.includes('user create --name')) resolve();
      }),
    );
    const exited = once(child, 'close');
    await Promise.race([bannerEnd, exited.then(() => Promise.reject(new Error(`exited before its banner:\n${lines.join('\n')}`)))]);
    const firstScreen = lines.length;
    child.kill('SIGTERM');
    await exited;

    const screen = lines.slice(0, firstScreen);
    expect(screen.filter((l) => l.startsWith('{'))).toEqual([]);
    expect(screen.some((l) => /INFO.*starting coachbot on Node/.test(l))).toBe(true);
    expect(screen.filter((l) => /incoming request|request completed/.test(l))).toEqual([]);

    const at = (pattern: RegExp) => screen.findIndex((l) => pattern.test(l));
    const banner = at(/^Coachbot is running:$/);
    const lastLog = screen.findLastIndex((l) => /^\[\d\d:\d\d:\d\d\] [A-Z]+/.test(l));
    expect(banner).toBeGreaterThan(lastLog);
    expect(lastLog).toBeGreaterThanOrEqual(at(/workers running/));
    expect(at(/^ {2}playground: http:\/\/127\.0\.0\.1:\d+\/playground$/)).toBeGreaterThan(banner);
    expect(at(/export TOKEN=/)).toBeGreaterThan(at(/^ {2}playground: http/));
    expect(at(/^First commands:$/)).toBeGreaterThan(at(/export TOKEN=/));
    // After the banner, the next thing written is the stop.
    expect(lines.slice(firstScreen).find((l) => l.trim() !== '')).toMatch(/shutting down/);
  });
});
