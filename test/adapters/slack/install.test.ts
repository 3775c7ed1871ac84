import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackBot } from '../../../src/adapters/slack/index.ts';
import { createInstallationStore } from '../../../src/adapters/slack/installations.ts';
import type { Effect, Inbound } from '../../../src/bot/inbound.ts';
import { createDb, type Db } from '../../../src/db/client.ts';
import { createInstallationRecords } from '../../../src/core/chat/installations.ts';
import { FakeSlack } from '../../fakes/slack.ts';
import { slashCommand } from '../../fakes/slack-requests.ts';
import { cloneTemplate } from '../../helpers/postgres.ts';
import { startSlackApp, type SlackAppHarness } from './harness.ts';

// Multi-workspace install: Slack's OAuth redirect through @slack/oauth stores the installation in
// PostgreSQL, and the workspace's next command is answered with that installation's bot token.

const echo: SlackBot = {
  async handle(inbound: Inbound): Promise<Effect[]> {
    const said = inbound.type === 'command' ? inbound.name : inbound.type;
    return [{ type: 'reply', view: { summary: `hi ${said}`, blocks: [{ type: 'text', text: `hi ${said}` }] } }];
  },
};

describe('Slack OAuth install (multi-workspace)', () => {
  let db: Db;
  let h: SlackAppHarness;
  let fake: FakeSlack;

  beforeAll(async () => {
    db = createDb((await cloneTemplate()).url);
    fake = await new FakeSlack({ teamId: 'T0INSTALL' }).start();
    fake.addUser({ id: 'U0INSTALL', tz: 'Asia/Tokyo' });
    h = await startSlackApp(
      echo,
      {
        settings: {
          signingSecret: 'test-signing-secret-0123456789',
          oauth: { clientId: '111.222', clientSecret: 'client-secret', stateSecret: 'state-secret-of-enough-length', scopes: ['commands', 'chat:write'] },
          host: '127.0.0.1',
          port: 0,
        },
        installations: createInstallationRecords(db, 'slack'),
      },
      fake,
    );
  });
  afterAll(async () => {
    await h.close();
    await fake.stop();
    await db.$disconnect();
  });

  it('a workspace that has not installed the app gets no answer and no Slack call', async () => {
    const before = fake.calls.length;
    const res = await h.send(slashCommand({ teamId: 'T0NOTHERE', userId: 'U0INSTALL' }, '/next', ''));
    expect(res.status).toBe(200);
    await h.adapter.idle();
    expect(fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });

  it('install, then the workspace is answered with its own bot token', async () => {
    const base = h.url.replace('/slack/events', '');
    const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location')!);
    expect(location.hostname).toBe('slack.com');
    expect(location.searchParams.get('client_id')).toBe('111.222');
    const state = location.searchParams.get('state')!;
    const cookie = start.headers.get('set-cookie')!.split(';')[0]!;

    const callback = await fetch(`${base}/slack/oauth_redirect?code=abc123&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: 'manual' });
    expect(callback.status).toBe(200);
    expect(fake.callsOf('oauth.v2.access')).toHaveLength(1);

    const stored = await createInstallationStore(createInstallationRecords(db, 'slack')).fetchInstallation({ teamId: 'T0INSTALL', enterpriseId: undefined, isEnterpriseInstall: false });
    expect(stored.bot?.token).toBe('xoxb-installed-abc123');

    await h.send(slashCommand({ teamId: 'T0INSTALL', userId: 'U0INSTALL' }, '/next', ''));
    const posted = await fake.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('hi next'));
    expect(posted.token).toBe('xoxb-installed-abc123');

    const sent = await h.adapter.port.send({ platform: 'slack', scope: 'T0INSTALL', platformUserId: 'U0INSTALL' }, { summary: 'ping', blocks: [] });
    expect(sent.channelId).toBe('T0INSTALL/DU0INSTALL');
    expect(fake.callsOf('chat.postMessage').at(-1)!.token).toBe('xoxb-installed-abc123');
  });

  it('a callback with a forged state stores nothing', async () => {
    const base = h.url.replace('/slack/events', '');
    const before = fake.callsOf('oauth.v2.access').length;
    const res = await fetch(`${base}/slack/oauth_redirect?code=evil&state=forged`, { redirect: 'manual' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(fake.callsOf('oauth.v2.access')).toHaveLength(before);
  });
});
