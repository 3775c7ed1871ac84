import { afterAll, describe, expect, it } from 'vitest';
import type { Effect, Inbound } from '../../../src/bot/inbound.ts';
import { FakeSlack } from '../../fakes/slack.ts';
import { slashCommand } from '../../fakes/slack-requests.ts';
import { startSlackApp } from './harness.ts';

// Slack failing for some users must not keep the others waiting: users.info answers 503 for two
// users, whose lookups the client retries (within its bound) while a third user asks for /help.
// The adapter runs with the Web API client's own retry settings, as in production.

const fake = await new FakeSlack().start();
const failing = new Set(['UFAIL00001', 'UFAIL00002']);
fake.failWhen('users.info', (args) => failing.has(String(args.user)), { status: 503 });
fake.addUser({ id: 'UOK0000001', tz: 'Europe/Berlin' });

const bot = {
  async handle(inbound: Inbound): Promise<Effect[]> {
    return [{ type: 'reply', view: { summary: 'help', blocks: [{ type: 'text', text: `Help for ${inbound.user.platformUserId}` }] } }];
  },
};
const app = await startSlackApp(bot, { clientOptions: { slackApiUrl: fake.apiUrl } }, fake);
afterAll(async () => {
  await app.close();
  await fake.stop();
});

describe('a Slack API call failing for some users', () => {
  it("does not hold up another user's answer, and the failing users still get theirs", async () => {
    const actor = (userId: string) => ({ teamId: fake.teamId, userId });
    for (const userId of failing) expect((await app.send(slashCommand(actor(userId), '/help', ''))).status).toBe(200);
    // Both work slots are taken by the failing users' lookups, each retried.
    await fake.waitForCalls('users.info', 2, (call) => failing.has(String(call.args.user)));
    expect((await app.send(slashCommand(actor('UOK0000001'), '/help', ''))).status).toBe(200);

    const answer = await fake.waitForCall('chat.postMessage', (call) => call.args.channel === 'DUOK0000001');
    expect(JSON.stringify(answer.args)).toContain('Help for UOK0000001');
    // Without their time zone (the lookup gave up within its bound) the failing users are answered too.
    for (const userId of failing) await fake.waitForCall('chat.postMessage', (call) => call.args.channel === `D${userId}`);
  });
});
