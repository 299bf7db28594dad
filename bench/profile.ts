import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runScenario, type ScenarioResult } from './measure.ts';
import { summariseProfile, type ProfileSummary } from './profile-summary.ts';
import { bridgekeeperScenarios, type ScenarioContext } from './scenarios.ts';
import type { RunningTarget } from './targets.ts';

/*
 * One sign-in scenario (--profile-scenario, SAML by default) once more, on a fresh Bridgekeeper process carrying the profiler hook
 * (cpu-profile-hook.ts): the profile covers the measured window only, and is summarised into self time per
 * function and per area. The run's own figures include the profiler's overhead and are reported apart.
 */
const HOOK = fileURLToPath(new URL('./cpu-profile-hook.ts', import.meta.url));

export interface ProfiledRun {
  file: string;
  scenario: string;
  run: ScenarioResult;
  summary: ProfileSummary;
}

export async function profileSignIn(
  ctx: ScenarioContext,
  start: (extra: { nodeOptions: string[]; env: Record<string, string> }) => Promise<RunningTarget>,
  file: string,
): Promise<ProfiledRun> {
  // The world is already in the store: no bootstrap import this time.
  const server = await start({ nodeOptions: ['--import', HOOK], env: { BENCH_CPU_PROFILE: file, BRIDGEKEEPER_BOOTSTRAP__FILE: '' } });
  try {
    const scenario = ctx.options.profileScenario;
    const options = { ...ctx.options, durationMs: ctx.options.profileMs, scenarios: new Set([scenario]) };
    const [spec] = await bridgekeeperScenarios({ ...ctx, options }, server.target, server.process.url);
    const toggle = async () => server.process.signal('SIGUSR2');
    const run = await runScenario({
      ...spec!,
      name: `${scenario} (profiled)`,
      warmup: { durationMs: ctx.options.warmupMs, maxIterations: ctx.options.maxIterations },
      window: { begin: toggle, end: toggle },
    }, ctx.env);
    await waitForFile(file);
    // One virtual user: each request's span, so the profile's samples can be told apart by hop.
    const spans = [...ctx.env.times.spans];
    if (spans.length > 0) await writeFile(file.replace(/\.cpuprofile$/, '.spans.json'), JSON.stringify(spans));
    return { file, scenario, run, summary: summariseProfile(file, 25, spans) };
  } finally {
    await server.process.stop();
  }
}

async function waitForFile(file: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      JSON.parse(await readFile(file, 'utf8'));
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`no CPU profile written to ${file}`);
}
