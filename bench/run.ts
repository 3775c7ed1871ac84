import { bookingBench, listingBench } from './booking.ts';
import { discordBench } from './discord.ts';
import { medianRun, type Benchmark } from './measure.ts';
import { remindersBench } from './reminders.ts';
import { slackBench } from './slack.ts';

// `npm run bench -- [names] [--json]`: each benchmark runs BENCH_RUNS times (3 by default), each run
// measuring its baseline in the same run on the same database, so the ratio means something on any
// machine; the run with the median ratio is reported. `--json` prints one line per benchmark for
// tools: {name, figures, baseline, ratio, ratios, target, met}.

const benchmarks: Benchmark[] = [bookingBench, listingBench, remindersBench, slackBench, discordBench];

const args = process.argv.slice(2);
const json = args.includes('--json');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const names = args.filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
if (unknown.length) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`BENCH_RUNS must be a whole number of at least 1, not ${process.env.BENCH_RUNS}`);
  process.exit(2);
}

const print = (line = '') => process.stdout.write(`${line}\n`);
for (const bench of benchmarks.filter((b) => !names.length || names.includes(b.name))) {
  const measured = [];
  for (let i = 0; i < runs; i++) {
    if (!json) process.stderr.write(`${bench.name}: run ${i + 1} of ${runs}\n`);
    measured.push(await bench.run());
  }
  const chosen = medianRun(measured);
  const ratios = measured.map((m) => Number(m.ratio.toFixed(3)));
  if (json) {
    const { figures, baseline, ratio, met } = chosen;
    print(JSON.stringify({ name: bench.name, figures, baseline, ratio: Number(ratio.toFixed(3)), ratios, target: bench.target, met }));
  } else {
    for (const line of chosen.lines) print(line);
    print(`  => ${bench.name}: median ratio ${chosen.ratio.toFixed(2)} of runs ${ratios.join(', ')}; target ${bench.target}: ${chosen.met ? 'met' : 'NOT met'}`);
  }
}
