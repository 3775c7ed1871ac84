import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { quoteIdent } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';

// Each benchmark run gets a database of its own: a migrated template, cloned, both dropped at the end,
// so a run never touches the development database and never sees another run's rows.

function serverUrl(): URL {
  const url = new URL(process.env.BENCH_DATABASE_URL ?? loadConfig().DATABASE_URL);
  url.pathname = '/';
  return url;
}

export function urlOf(name: string): string {
  const url = serverUrl();
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlOf('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function benchDatabase(): Promise<BenchDatabase> {
  const template = `coachbot_bench_tpl_${process.pid}`;
  const name = `coachbot_bench_${process.pid}`;
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(template)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${quoteIdent(template)}`);
  });
  await migrate(urlOf(template));
  await admin((c) => c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`));
  return {
    url: urlOf(name),
    drop: () =>
      admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(template)} WITH (FORCE)`);
      }),
  };
}
