import { FakeSlack } from '../test/fakes/slack.ts';

// The fake Slack Web API in a process of its own for bench/slack.ts: Slack is remote in production,
// so answering the adapter's calls must not load the process that times the acks.
// IPC: in {users}; out {apiUrl, teamId, botId, botUserId}; 'calls' -> number; 'stop'.

process.once('message', async ({ users }: { users: string[] }) => {
  const fake = await new FakeSlack().start();
  for (const id of users) fake.addUser({ id, tz: 'Europe/Paris' });
  process.on('message', async (msg: string) => {
    if (msg === 'calls') process.send!(fake.calls.length);
    if (msg === 'stop') {
      await fake.stop();
      process.send!('stopped', () => process.exit(0));
    }
  });
  process.send!({ apiUrl: fake.apiUrl, teamId: fake.teamId, botId: fake.botId, botUserId: fake.botUserId });
});
