import { parseArgs } from 'node:util';
import { dbTimeouts, loadOperatorConfig, type OperatorConfig } from './config.ts';
import { createCore, DEFAULT_CORE_CONFIG, systemClock, type Core } from './core/index.ts';
import { createDb } from './db/client.ts';
import { ensureDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { describeDatabaseUrl, reasonOf, step } from './runtime/failure.ts';

// Operator commands. They act with the database's own authority (no actor): whoever can run them
// can already read and write the database.

const USAGE = `Usage: npm run cli -- <command>

  migrate                                   apply pending migrations
  user create --name <name> --role <Member|Coach|Admin> [--email <email>] [--timezone <IANA zone>]
                                            prints "<user id> <profile id>" (members and coaches
                                            have a profile; the API names members by profile id,
                                            coaches by user id)
  token create --user <email or id> [--name <label>] [--expires-at <ISO date-time>]
                                            prints a new API token once; only its hash is stored
  token revoke <token id>                   revokes an API token
  user link-code --user <email or id>       prints a one-time code (15 minutes) that links a chat
                                            account to the user when sent as /link <code>`;

async function prepare(config: OperatorConfig): Promise<void> {
  await step(`PostgreSQL at ${describeDatabaseUrl(config.DATABASE_URL)}`, async () => {
    await ensureDatabase(config.DATABASE_URL);
    await migrate(config.DATABASE_URL);
  });
}

async function withCore<T>(config: OperatorConfig, run: (core: Core) => Promise<T>): Promise<T> {
  await prepare(config);
  const db = createDb(config.DATABASE_URL, { max: 2, timeouts: dbTimeouts(config) });
  const core = createCore({
    db,
    clock: systemClock,
    config: { ...DEFAULT_CORE_CONFIG, bookingMinNoticeMinutes: config.BOOKING_MIN_NOTICE_MINUTES, bookingHorizonDays: config.BOOKING_HORIZON_DAYS, waitlistClaimMinutes: config.WAITLIST_CLAIM_MINUTES },
  });
  try {
    return await run(core);
  } finally {
    await db.$disconnect();
  }
}

/** Which id is which, and which endpoints take it: the API names members by profile, coaches by user. */
function describeCreatedUser(user: { id: string; name: string; email: string | null; role: string; memberProfileId: string | null; coachProfileId: string | null }): string {
  const lines = [
    `Created ${user.role} ${user.name}${user.email ? ` <${user.email}>` : ''}`,
    `  user id:           ${user.id}  (token create --user, /users/:id${user.role === 'Coach' ? ', and coachId wherever the API names a coach, e.g. PATCH /members/:id/assign-coach {"coachId"}' : ''})`,
  ];
  if (user.memberProfileId) {
    lines.push(`  member profile id: ${user.memberProfileId}  (memberId: /members/:id, e.g. PATCH /members/${user.memberProfileId}/assign-coach, and POST /bookings {"memberId"})`);
  }
  if (user.coachProfileId) lines.push(`  coach profile id:  ${user.coachProfileId}  (internal: the API names a coach by the user id)`);
  lines.push(`stdout: the user id${user.memberProfileId ? ', then the member profile id' : user.coachProfileId ? ', then the coach profile id' : ''}`);
  return lines.join('\n');
}

function flags(args: string[], options: Record<string, { type: 'string' }>) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  const config = loadOperatorConfig();
  switch (`${command ?? ''} ${command === 'migrate' ? '' : (sub ?? '')}`.trim()) {
    case 'migrate': {
      const { applied } = await step(`PostgreSQL at ${describeDatabaseUrl(config.DATABASE_URL)}`, async () => {
        await ensureDatabase(config.DATABASE_URL);
        return migrate(config.DATABASE_URL);
      });
      console.warn(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'No pending migrations.');
      return 0;
    }
    case 'user create': {
      const { values } = flags(rest, { name: { type: 'string' }, role: { type: 'string' }, email: { type: 'string' }, timezone: { type: 'string' } });
      const user = await withCore(config, (core) => core.operator.createUser(values));
      console.warn(describeCreatedUser(user));
      // The ids alone on stdout, user id first, so `| cut -d' ' -f1` (or -f2 for the profile) captures one.
      process.stdout.write(`${[user.id, user.memberProfileId ?? user.coachProfileId].filter(Boolean).join(' ')}\n`);
      return 0;
    }
    case 'user link-code': {
      const { values } = flags(rest, { user: { type: 'string' } });
      if (!values.user) {
        console.error('user link-code needs --user <email or id>');
        return 2;
      }
      const issued = await withCore(config, (core) => core.links.issueAsOperator(values.user));
      console.warn(`Link code for user ${issued.userId}, valid until ${issued.expiresAt.toISOString()}, once. Send it from the chat account to link: /link <code>`);
      // The code alone on stdout, so a script can hand it on.
      process.stdout.write(`${issued.code}\n`);
      return 0;
    }
    case 'token create': {
      const { values } = flags(rest, { user: { type: 'string' }, name: { type: 'string' }, 'expires-at': { type: 'string' } });
      if (!values.user) {
        console.error('token create needs --user <email or id>');
        return 2;
      }
      const issued = await withCore(config, (core) =>
        core.tokens.issue({ user: values.user, name: values.name, expiresAt: values['expires-at'] }),
      );
      console.warn(`API token ${issued.id} (${issued.prefix}…) for user ${issued.userId}. It is shown once; store it now:`);
      // The secret alone on stdout, so `TOKEN=$(npm run --silent cli -- token create ...)` works.
      process.stdout.write(`${issued.token}\n`);
      return 0;
    }
    case 'token revoke': {
      const { positionals } = flags(rest, {});
      const [tokenId] = positionals;
      if (!tokenId) {
        console.error('token revoke needs the token id');
        return 2;
      }
      const revoked = await withCore(config, (core) => core.tokens.revokeAsOperator(tokenId));
      console.warn(`Revoked API token ${revoked.id} (${revoked.prefix}…) of user ${revoked.userId}`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(reasonOf(error));
    process.exit(1);
  },
);
