import { FakeDiscord } from '../test/fakes/discord.ts';

// The fake Discord REST API in a process of its own for bench/discord.ts: Discord is remote in
// production, so answering the adapter's calls must not load the process that times the answers.
// IPC: 'start' -> {apiBase, applicationId}; 'calls' -> number; 'stop'.

process.once('message', async () => {
  const fake = await new FakeDiscord().start();
  process.on('message', async (msg: string) => {
    if (msg === 'calls') process.send!(fake.calls.length);
    if (msg === 'stop') {
      await fake.stop();
      process.send!('stopped', () => process.exit(0));
    }
  });
  process.send!({ apiBase: fake.apiBase, applicationId: fake.applicationId });
});
