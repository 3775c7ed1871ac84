import { buildApp, createApiLogger } from '../../src/api/index.ts';
import { createCore, DEFAULT_CORE_CONFIG, ManualClock } from '../../src/core/index.ts';
import { createDb } from '../../src/db/client.ts';
import { TEST_API_CONFIG } from '../api/harness.ts';

// One OS process serving the admin API over the shared test database, with its own connection pool
// and core, as a deployment's api role does (docs/design.md §7). Prints its port as one JSON line,
// and serves until its stdin closes.

const databaseUrl = process.env.API_DATABASE_URL ?? '';
const now = Number(process.env.API_NOW);
const db = createDb(databaseUrl, { max: 6 });
const core = createCore({ db, clock: new ManualClock(now), config: { ...DEFAULT_CORE_CONFIG, bookingMinNoticeMinutes: 0 } });
const app = await buildApp({ core, db, config: TEST_API_CONFIG, logger: createApiLogger(TEST_API_CONFIG) });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void app.close().then(() => db.$disconnect()).then(() => process.exit(0));
});
