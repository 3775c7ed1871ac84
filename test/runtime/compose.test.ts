import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.ts';
import { processRole, ROLES } from '../../src/roles.ts';
import { REDIS_URL, uniqueRateLimitPrefix } from '../api/harness.ts';
import { cloneTemplate, dropDatabase, withAdmin } from '../helpers/postgres.ts';
import { parseExposition } from '../helpers/prometheus.ts';
import { FROM_SOURCE, ROOT, serviceEnv, startService, type ServiceProcess, SPAWNING } from './process.ts';

// compose.yaml, the Dockerfile and docs/operations.md describe what the code does: each command
// runs an entry point the build produces, with a role the process knows; each variable is one the
// process reads; each healthcheck asks a route the role serves (asked of the real process, started
// with the service's own command and environment); and whatever the guide names in backticks (a
// variable, a route, a metric, a log message) exists.

/** Variables of src/config.ts that compose does not pass to the roles, and why. */
const NOT_PASSED: Record<string, string> = {
  DISCORD_API_BASE: 'the tests point it at a fake Discord',
  TELEGRAM_API_ROOT: 'the tests point it at a fake Telegram',
  PLAYGROUND: 'production does not serve the playground',
  PLAYGROUND_REDIS_PREFIX: 'production does not serve the playground',
};

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const known = new Set<string>(CONFIG_VARIABLES);

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}

// --- compose.yaml and .env.example -------------------------------------------------------------

const composeText = read('compose.yaml');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
/** The variables compose fills in from .env (`${NAME...}`). */
const interpolated = new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
const required = new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)].map((m) => m[1]!));
const envExample = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);

/** Compose's interpolation of one value: ${X}, ${X:-default}, ${X-default}, ${X:?error}, ${X?error}, $$. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name: string, op: string | undefined, arg: string) => {
    if (match === '$$') return '$';
    const v = vars[name];
    const empty = v === undefined || v === '';
    if (op === ':-') return empty ? arg : v!;
    if (op === '-') return v === undefined ? arg : v;
    if ((op === ':?' && empty) || (op === '?' && v === undefined)) throw new Error(`compose would refuse to start: ${name}: ${arg}`);
    return v ?? '';
  });
}

/** .env.example as an operator fills it in: the required secrets get values of the right shape. */
const filledIn = {
  ...envExample,
  ...Object.fromEntries([...required].map((name) => [name, `compose-test-${name.toLowerCase().replaceAll('_', '-')}`])),
};

function environmentOf(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''), filledIn)]));
}

/** Services that run the image's Node: the roles and the migration. */
const appServices = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'node');

// --- the build: which source file a built entry point comes from ---------------------------------

const build = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  },
})!;

/** The source file `tsc -p tsconfig.build.json` compiles to this path of dist/, if any. */
function sourceOf(entry: string): string | undefined {
  const { outDir, rootDir } = build.options;
  const source = path.join(rootDir!, path.relative(outDir!, path.resolve(ROOT, entry))).replace(/\.js$/, '.ts');
  return build.fileNames.map((f) => path.resolve(f)).includes(source) ? source : undefined;
}

// --- the Dockerfile ------------------------------------------------------------------------------

/** Instructions with their continuation lines joined, comments dropped. */
const dockerfile = read('Dockerfile')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [, instruction, rest] = /^(\S+)\s+(.*)$/.exec(l)!;
    return { instruction: instruction!.toUpperCase(), rest: rest! };
  });
const finalStage = dockerfile.slice(dockerfile.findLastIndex((i) => i.instruction === 'FROM'));
const dockerArgs = Object.fromEntries(
  dockerfile.filter((i) => i.instruction === 'ARG').map((i) => i.rest.split('=') as [string, string]),
);

function execForm(instruction: 'CMD' | 'ENTRYPOINT'): string[] | undefined {
  const found = finalStage.filter((i) => i.instruction === instruction).at(-1);
  if (!found) return undefined;
  const parsed: unknown = JSON.parse(found.rest); // shell form is not JSON: this throws
  expect(Array.isArray(parsed) && parsed.every((p) => typeof p === 'string'), `${instruction} ${found.rest}`).toBe(true);
  return parsed as string[];
}

// --- the roles as compose starts them, to ask their routes ------------------------------------------

const started = new Map<string, { service: ServiceProcess; base: string }>();
let database: { name: string; url: string } | undefined;

/** Starts a compose service's command from source, with its compose environment on a test database. */
async function startRole(name: string, service: Service): Promise<{ service: ServiceProcess; base: string }> {
  database ??= await cloneTemplate();
  const env = serviceEnv({
    ...environmentOf(service),
    DATABASE_URL: database.url,
    REDIS_URL,
    HOST: '127.0.0.1',
    PORT: '0',
    API_RATE_LIMIT_KEY_PREFIX: uniqueRateLimitPrefix(),
  });
  const child = startService([...FROM_SOURCE, ...service.command!.slice(2)], env);
  const listening = await child.logged((l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg));
  const running = { service: child, base: listening.msg.replace('Server listening at ', '') };
  started.set(name, running);
  return running;
}

/** Whether the server answers this route (anything but "no such route": a 401 or a 404 of a record counts). */
async function serves(base: string, method: string, route: string): Promise<boolean> {
  const res = await fetch(`${base}${route}`, { method, redirect: 'manual' });
  if (res.status !== 404) return true;
  const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  return body.error !== 'route_not_found' && !/^Route \S+ not found$/.test(body.message ?? '');
}

const roleOf = (service: Service) => processRole(service.command!.slice(2));

beforeAll(async () => {
  // Every role, started at once: each start loads the whole service.
  await Promise.all(appServices.filter(([, s]) => s.command![1] === 'dist/src/main.js').map(([name, s]) => startRole(name, s)));
}, SPAWNING.timeout);

afterAll(async () => {
  for (const { service } of started.values()) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  }
  if (database) await withAdmin((client) => dropDatabase(client, database!.name));
}, SPAWNING.timeout);

describe('compose.yaml', SPAWNING, () => {
  it('runs each role, api, bot and worker, with the production command on an entry point the build makes', () => {
    const roles: string[] = [];
    for (const [name, service] of appServices) {
      const [, entry, ...args] = service.command!;
      expect(sourceOf(entry!), `${name}: ${entry} is not built from src/`).toBeDefined();
      if (entry === 'dist/src/main.js') {
        const role = processRole(args);
        expect(ROLES).toContain(role);
        expect(args, `${name} names its role`).toEqual(['--role', role]);
        roles.push(role);
      } else {
        expect(entry, name).toBe('dist/src/cli.js');
        expect(read('src/cli.ts'), `${name}: the CLI has no command "${args.join(' ')}"`).toContain(`case '${args.join(' ')}'`);
      }
    }
    expect(roles.sort()).toEqual(['api', 'bot', 'worker']);
  });

  it('gives every role the same environment: every variable the process reads, except those it has no use for in production', () => {
    const expected = [...known].filter((name) => !(name in NOT_PASSED)).sort();
    for (const [name, service] of appServices) {
      const names = Object.keys(service.environment ?? {});
      for (const variable of names) expect(known.has(variable), `${name}: ${variable} is not read by src/config.ts`).toBe(true);
      expect(names.sort(), name).toEqual(expected);
    }
    for (const name of Object.keys(NOT_PASSED)) expect(CONFIG_VARIABLES).toContain(name);
  });

  it('makes a configuration the process accepts once .env is filled in, in production', () => {
    for (const [name, service] of appServices) {
      const config = loadConfig(environmentOf(service));
      expect(config.NODE_ENV, name).toBe('production');
    }
    for (const name of required) expect(envExample[name], `.env.example leaves ${name} for the operator`).toBe('');
  });

  it('reads .env for exactly the variables .env.example lists', () => {
    expect(Object.keys(envExample).sort()).toEqual([...interpolated].sort());
  });

  it('migrates once, before the roles: they do not migrate themselves and wait for the migration to succeed', () => {
    const migrate = appServices.filter(([, s]) => s.command![1] === 'dist/src/cli.js' && s.command![2] === 'migrate');
    expect(migrate).toHaveLength(1);
    for (const [name, service] of appServices.filter(([, s]) => s.command![1] === 'dist/src/main.js')) {
      expect(environmentOf(service).MIGRATE_ON_START, name).toBe('false');
      expect(service.depends_on?.[migrate[0]![0]]?.condition, name).toBe('service_completed_successfully');
    }
  });

  it('lets each process stop by itself, within SHUTDOWN_GRACE_SECONDS, before Docker sends SIGKILL', () => {
    const seconds = (d: string) => {
      const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(d)!;
      return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
    };
    for (const [name, service] of appServices) {
      const grace = loadConfig(environmentOf(service)).SHUTDOWN_GRACE_SECONDS;
      // Room to close the database and Redis connections and exit after the grace runs out.
      expect(seconds(service.stop_grace_period ?? '10s'), name).toBeGreaterThanOrEqual(grace + 5);
    }
  });

  it('runs Redis with maxmemory-policy noeviction, as the workers require', () => {
    const command = compose.services.redis!.command as unknown as string[];
    expect(command.slice(command.indexOf('--maxmemory-policy'), command.indexOf('--maxmemory-policy') + 2)).toEqual(['--maxmemory-policy', 'noeviction']);
  });

  it('checks the health of each role at a route that role serves on its PORT, and a healthy role passes it', async () => {
    for (const [name, service] of appServices.filter(([, s]) => s.command![1] === 'dist/src/main.js')) {
      const probe = service.healthcheck?.test.join(' ') ?? '';
      const url = /http:\/\/127\.0\.0\.1:(\d+)(\/[\w/-]*)/.exec(probe);
      expect(url, `${name} has a healthcheck asking the process over HTTP`).not.toBeNull();
      expect(url![1], `${name}: the healthcheck asks PORT`).toBe(environmentOf(service).PORT);
      expect(url![2], `${name}: the healthcheck asks readiness`).toBe('/readyz');
      // What the healthcheck's fetch asks: a 2xx from the role, started as compose starts it.
      const res = await fetch(`${started.get(name)!.base}${url![2]}`);
      expect(res.ok, `${name} (--role ${roleOf(service)}) is healthy at ${url![2]}: ${res.status}`).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  it('runs node dist/src/main.js in exec form, under an init as PID 1', () => {
    const entrypoint = execForm('ENTRYPOINT');
    const cmd = execForm('CMD')!;
    expect(entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(cmd).toEqual(['node', 'dist/src/main.js']);
    expect(sourceOf(cmd[1]!)).toBe(path.join(ROOT, 'src/main.ts'));
  });

  it('builds on the Node release package.json pins', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    expect(dockerArgs.NODE_VERSION).toBe(pkg.dependencies.node);
    for (const from of dockerfile.filter((i) => i.instruction === 'FROM' && i.rest.startsWith('node:'))) {
      expect(from.rest).toMatch(/^node:\$\{NODE_VERSION\}-/);
    }
  });

  it('installs production dependencies without the Prisma CLI or TypeScript, keeping every runtime package', () => {
    const prodDeps = dockerfile.slice(dockerfile.findIndex((i) => i.instruction === 'FROM' && / AS prod-deps$/.test(i.rest)));
    const install = prodDeps.find((i) => i.instruction === 'RUN')!.rest;
    expect(install).toMatch(/npm ci --omit=dev .*&& node scripts\/prune-dev-only\.mjs/);
    // The install as npm ci --omit=dev lays it out from the lockfile (each package a folder), then the script.
    const lockfile = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    const installed = Object.keys(lockfile.packages).filter((location) => location && !lockfile.packages[location]!.dev);
    const dir = mkdtempSync(path.join(tmpdir(), 'coachbot-prod-deps-'));
    try {
      copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
      for (const location of installed) mkdirSync(path.join(dir, location), { recursive: true });
      mkdirSync(path.join(dir, 'node_modules/.bin'));
      symlinkSync('../prisma/build/index.js', path.join(dir, 'node_modules/.bin/prisma'));
      execFileSync(process.execPath, [path.join(ROOT, 'scripts/prune-dev-only.mjs'), dir], { stdio: 'ignore' });
      const kept = installed.filter((location) => existsSync(path.join(dir, location)));
      for (const tool of ['prisma', 'typescript', '@prisma/dev', '@prisma/studio-core']) expect(kept).not.toContain(`node_modules/${tool}`);
      expect(readdirSync(path.join(dir, 'node_modules/.bin'))).toEqual([]);
      const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
      for (const dependency of Object.keys(pkg.dependencies)) expect(kept).toContain(`node_modules/${dependency}`);
      // Optional packages production does use stay: msgpackr's native extension under BullMQ.
      expect(kept).toContain('node_modules/msgpackr-extract');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sets only variables the process reads, and runs as a user other than root', () => {
    for (const env of finalStage.filter((i) => i.instruction === 'ENV')) {
      for (const [, name] of env.rest.matchAll(/([A-Z_][A-Z0-9_]*)=/g)) expect(CONFIG_VARIABLES).toContain(name);
    }
    const user = finalStage.filter((i) => i.instruction === 'USER').at(-1)?.rest;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });
});

describe('docs/operations.md', SPAWNING, () => {
  // Inline code of the prose and tables; fenced blocks are commands, read by people.
  const guide = read('docs/operations.md');
  const prose = guide.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
  const spans = [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\s+/g, ' '));

  it('names only variables the process, compose.yaml or the Dockerfile reads', () => {
    const defined = new Set([...known, ...interpolated, ...Object.keys(dockerArgs)]);
    const named = spans.map((s) => /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=\S*)?$/.exec(s)?.[1]).filter((v): v is string => !!v);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((v) => !defined.has(v))).toEqual([]);
  });

  it('names only metrics a role exports, and every metric the roles export', async () => {
    // The registry as a scraper reads it: every family of each role's /metrics (METRICS_TOKEN is unset here).
    const exported = new Set<string>();
    for (const [name, { base }] of started) {
      const res = await fetch(`${base}/metrics`);
      expect(res.status, name).toBe(200);
      for (const family of parseExposition(await res.text()).keys()) exported.add(family);
    }
    // A name, or a prefix followed by `*` (Node's process metrics); a histogram's series add a suffix.
    const named = spans.map((s) => /^coachbot_[a-z0-9_]+\*?/.exec(s)?.[0]).filter((m): m is string => !!m);
    const covers = (n: string, family: string) => (n.endsWith('*') ? family.startsWith(n.slice(0, -1)) : family === n.replace(/_(bucket|sum|count)$/, '') || family === n);
    expect(named.filter((n) => ![...exported].some((family) => covers(n, family)))).toEqual([]);
    expect([...exported].filter((family) => !named.some((n) => covers(n, family)))).toEqual([]);
  });

  it('names only routes a role serves, or a platform receiver listens on', async () => {
    const adapters = sources('src/adapters');
    const routes = spans
      .map((s) => /^(?:(GET|POST|PUT|PATCH|DELETE) )?(\/[\w\-./]*)$/.exec(s))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ method: m[1] ?? 'GET', route: m[2]! }));
    expect(routes.length).toBeGreaterThan(3);
    const missing: string[] = [];
    for (const { method, route } of routes) {
      // The receivers of Slack (its own port) and Discord (mounted with its credentials) are named in their source.
      if (adapters.some((text) => text.includes(`'${route}'`))) continue;
      let served = false;
      for (const { base } of started.values()) served ||= await serves(base, method, route);
      if (!served) missing.push(`${method} ${route}`);
    }
    expect(missing).toEqual([]);
  });

  it('quotes only log messages the code writes', () => {
    const code = sources('src').join('\n');
    // The rows of the table headed "log message": the first cell is the message.
    const lines = guide.split('\n');
    const header = lines.findIndex((l) => l.startsWith('| log message |'));
    const rows = lines.slice(header + 2, lines.findIndex((l, i) => i > header && !l.startsWith('|')));
    const messages = rows.map((l) => /^\| `([^`]+)`/.exec(l)![1]!);
    expect(messages.length).toBeGreaterThan(5);
    expect(messages.filter((m) => !code.includes(m))).toEqual([]);
  });
});

/** The text of every TypeScript file under a directory of the project (not the generated client). */
function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.includes('generated'))
    .map((f) => read(path.join(dir, f)));
}
