import { randomUUID } from 'node:crypto';
import type { SlackBot } from '../src/adapters/slack/index.ts';
import { createActionSigner, createBot } from '../src/bot/index.ts';
import { grantRoleDefaults } from '../src/core/access/index.ts';
import { createCore, DEFAULT_CORE_CONFIG, systemClock } from '../src/core/index.ts';
import { createDb } from '../src/db/client.ts';
import { benchDatabase } from './database.ts';

// The real bot over a bench database of its own: 200 members of one coach, each linked to a Slack
// user of the fake's workspace, each clicking "Next session" (a signed action the bot verifies,
// claims as a delivery in PostgreSQL, answers from the sessions table, then edits in place).

const TEAM = 'T0000TEST';
const SECRET = 'bench-action-secret';

export async function slackBenchBot(count = 200): Promise<{ bot: SlackBot; users: string[]; clicks: string[]; close: () => Promise<void> }> {
  const database = await benchDatabase();
  const db = createDb(database.url, { max: 10 });
  const core = createCore({ db, clock: systemClock, config: DEFAULT_CORE_CONFIG });
  const coach = await db.user.create({ data: { name: 'Bench Coach', role: 'Coach', coachProfile: { create: { timezone: 'UTC' } } } });
  await grantRoleDefaults(db, coach.id, 'Coach');
  const signer = createActionSigner(SECRET);
  const users: string[] = [];
  const clicks: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = await db.user.create({ data: { name: `Member ${i} ${randomUUID().slice(0, 4)}`, role: 'Member', memberProfile: { create: { coachId: coach.id } } } });
    await grantRoleDefaults(db, user.id, 'Member');
    const slackId = `U${String(i).padStart(8, '0')}`;
    await core.chat.ensureLink(user.id, { platform: 'slack', scope: TEAM, platformUserId: slackId });
    users.push(slackId);
    clicks.push(signer.sign(`u:${user.id}`, 'nx', [], new Date()));
  }
  const bot = createBot({ core, clock: systemClock, actionSecret: SECRET });
  return {
    bot,
    users,
    clicks,
    close: async () => {
      await db.$disconnect();
      await database.drop();
    },
  };
}
