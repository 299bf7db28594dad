import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/*
 * Loaded into the server under test with `--import`: SIGUSR2 starts V8's sampling CPU profiler, the next
 * SIGUSR2 stops it and writes the profile (.cpuprofile JSON, as Chrome DevTools reads it) to
 * $BENCH_CPU_PROFILE. Unlike `--cpu-prof`, the profile then covers exactly the measured window, not the
 * start-up and bootstrap import.
 */
const target = process.env.BENCH_CPU_PROFILE;
if (!target) throw new Error('BENCH_CPU_PROFILE is required');
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 500 });
let running = false;

process.on('SIGUSR2', () => {
  const toggle = running
    ? session.post('Profiler.stop').then(({ profile }) => writeFileSync(target, JSON.stringify(profile)))
    : session.post('Profiler.start');
  running = !running;
  toggle.catch((error: unknown) => process.stderr.write(`cpu profile: ${String(error)}\n`));
});
