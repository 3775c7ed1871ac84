import { randomUUID } from 'node:crypto';
import { createActionSigner, createBot, type Bot } from '../src/bot/index.ts';
import type { Platform } from '../src/bot/inbound.ts';
import { grantRoleDefaults } from '../src/core/access/index.ts';
import { createCore, DEFAULT_CORE_CONFIG, systemClock } from '../src/core/index.ts';
import { createDb } from '../src/db/client.ts';
import { benchDatabase } from './database.ts';

// The real bot over a bench database of its own: 200 members of one coach, each linked to a chat
// user (platformUserId(i) in `scope`), each clicking "Next session" (a signed action the bot
// verifies, claims as a delivery in PostgreSQL, answers from the sessions table, then edits in place).

const SECRET = 'bench-action-secret';

export interface BenchChat {
  platform: Platform;
  /** The identities' scope: the Slack team, the Discord application. */
  scope: string;
  platformUserId: (i: number) => string;
}

export async function benchBot(chat: BenchChat, count = 200): Promise<{ bot: Bot; users: string[]; clicks: string[]; close: () => Promise<void> }> {
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
    const platformUserId = chat.platformUserId(i);
    await core.chat.ensureLink(user.id, { platform: chat.platform, scope: chat.scope, platformUserId });
    users.push(platformUserId);
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
