import { runBookingBench } from './booking.ts';
import { runRemindersBench } from './reminders.ts';
import { runSlackBench } from './slack.ts';

// `npm run bench -- <name>`: each benchmark prints its figures beside a baseline measured in the same
// run on the same database, so the ratio means something on any machine.

const benchmarks: Record<string, () => Promise<void>> = {
  booking: runBookingBench,
  reminders: runRemindersBench,
  slack: runSlackBench,
};

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = names.length ? names : Object.keys(benchmarks);
for (const name of selected) {
  const bench = benchmarks[name];
  if (!bench) {
    console.error(`Unknown benchmark ${name}; known: ${Object.keys(benchmarks).join(', ')}`);
    process.exit(2);
  }
  await bench();
}
