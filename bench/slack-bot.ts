import type { SlackBot } from '../src/adapters/slack/index.ts';

// Placeholder until the bot lands on main: answers every click with an in-place update.
export async function slackBenchBot(): Promise<{ bot: SlackBot; users: string[]; clicks: string[]; close: () => Promise<void> }> {
  const users = Array.from({ length: 200 }, (_, i) => `U${String(i).padStart(8, '0')}`);
  const bot: SlackBot = {
    async handle() {
      return process.env.BENCH_EMPTY ? [] : [{ type: "update", view: { summary: "ok", blocks: [{ type: "text", text: "ok" }] } }];
    },
  };
  return { bot, users, clicks: users.map(() => 'nx'), close: async () => undefined };
}
