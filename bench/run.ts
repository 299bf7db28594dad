import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureArgon2Rate } from './argon2-rate.ts';
import { probeAddressLimit } from './flows/ip-limit.ts';
import { relyingApp } from './flows/rp.ts';
import { StepTimes } from './flows/timed-browser.ts';
import { startBenchGoogle, type BenchGoogle } from './google.ts';
import { startInbox, type Inbox } from './inbox.ts';
import { runScenario, type ScenarioSpec } from './measure.ts';
import { parseBenchOptions, UsageError, type BenchOptions } from './options.ts';
import { profileSignIn } from './profile.ts';
import { redisKeyGroups } from './redis-keys.ts';
import { newReport, writeReport, type BenchReport } from './report.ts';
import { baselineScenarios, bridgekeeperScenarios, type ScenarioContext } from './scenarios.ts';
import { startBenchServices, type BenchServices } from './services.ts';
import { benchSecrets, BRIDGEKEEPER_PREFIX, startBaseline, startBridgekeeper, type BridgekeeperOptions, type RunningTarget } from './targets.ts';
import type { ServerRunAs } from './server-process.ts';
import { createMemoryCgroup, type MemoryCgroup } from './cgroup.ts';
import { writeBenchWorld } from './world.ts';
import { freePort } from '../test/support/services.ts';

/*
 * `npm run bench`: complete sign-ins per second, and where the time goes (README.md). Order: argon2id alone on
 * a quiet machine; then Redis, FerretDB and the SMTP inbox; the baseline's scenarios; Bridgekeeper's and the
 * per-address limit probe; the profiled sign-in run; the report. Everything started here is stopped here.
 */

/* Accounts in the bootstrap file: importing one costs ~40 ms on FerretDB, so no more than the limits require. */
const WORLD_SIZES = { passwordUsers: 64, otpUsers: 250 };
const BASELINE_SCENARIOS = ['baseline', 'baseline-refresh', 'baseline-client-credentials'];
const BRIDGEKEEPER_SCENARIOS = ['password', 'password-otp', 'saml', 'saml-otp', 'google', 'google-otp', 'refresh', 'client-credentials', 'ip-limit'];

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const selected = options.scenarios as Set<string>;
const report: BenchReport = newReport(options);
const dir = await mkdtemp(join(tmpdir(), 'bk-bench-'));
const running: RunningTarget[] = [];
let services: BenchServices | undefined;
let inbox: Inbox | undefined;
let google: BenchGoogle | undefined;
let cgroup: MemoryCgroup | undefined;

try {
  if (selected.has('argon2')) {
    log('argon2id verification rate alone');
    report.argon2 = await measureArgon2Rate({ durationMs: Math.min(options.durationMs, 10_000), inFlight: 4 });
    log(`  ${report.argon2.perSecond.toFixed(1)} verifications/s, ${report.argon2.cpuMsPerVerification.toFixed(1)} ms CPU each`);
  }
  services = await startBenchServices(options.storeDir);
  report.versions.redis = services.versions.redis;
  report.versions.ferretdb = services.versions.ferretdb;
  inbox = await startInbox();
  const world = await writeBenchWorld(dir, WORLD_SIZES);
  report.world = { ...WORLD_SIZES, samlUsersPerOrganization: options.samlUsers };
  const ctx: ScenarioContext = {
    options, world, inbox, env: { redis: services.redis, pids: services.pids, times: new StepTimes(), iteration: { next: 0 } },
  };
  // Bridgekeeper's port is chosen first: the Google stand-in is told its redirect URI before either starts.
  const port = await freePort();
  const bridgekeeperUrl = `http://127.0.0.1:${port}`;
  if (selected.has('google') || selected.has('google-otp') || (selected.has('profile') && options.profileScenario === 'google')) {
    google = await startBenchGoogle(world, bridgekeeperUrl, options.samlUsers);
    ctx.google = google.google;
  }
  // The servers run one after another, so one cgroup holds each in turn.
  if (options.serverMemoryMiB !== undefined) cgroup = createMemoryCgroup(options.serverMemoryMiB);
  const runAs: ServerRunAs = { nodeOptions: options.serverNodeOptions, ...(cgroup ? { cgroupProcsFile: cgroup.procsFile } : {}) };
  const bkOptions: BridgekeeperOptions = {
    redisUrl: services.redisUrl, mongoUrl: services.mongoUrl, smtpPort: inbox.port, bootstrapFile: world.file, dataDir: dir, secrets: benchSecrets(),
    port, env: google?.env ?? {}, runAs,
  };
  const start = async (target: Promise<RunningTarget>) => {
    const started = await target;
    running.push(started);
    return started;
  };

  if (BASELINE_SCENARIOS.some((name) => selected.has(name))) {
    const baseline = await start(startBaseline({ redisUrl: services.redisUrl, clientSecret: world.clientSecret, runAs }));
    await runAll(ctx, await baselineScenarios(ctx, baseline.target, baseline.process.url));
    await baseline.process.stop();
  }
  if (BRIDGEKEEPER_SCENARIOS.some((name) => selected.has(name)) || selected.has('profile')) {
    log('starting Bridgekeeper (imports the bootstrap file)');
    const importStarted = performance.now();
    const bk = await start(startBridgekeeper(bkOptions));
    report.bootstrapImportSeconds = (performance.now() - importStarted) / 1000;
    await runAll(ctx, await bridgekeeperScenarios(ctx, bk.target, bk.process.url));
    if (selected.has('ip-limit')) {
      log('per-address limit probe: password sign-ins from 127.0.0.1 itself');
      const app = await relyingApp(bk.process.url, 'bench-app', world.clientSecret);
      report.addressLimit = await probeAddressLimit({ app, times: ctx.env.times, email: world.passwordUsers }, { first: ctx.env.iteration.next, maxAttempts: 150, concurrency: 4 });
      ctx.env.iteration.next += report.addressLimit.attempts;
      log(`  ${JSON.stringify(report.addressLimit)}`);
    }
    report.redisKeys = await redisKeyGroups(services.redis, BRIDGEKEEPER_PREFIX);
    await bk.process.stop();
  }
  if (selected.has('profile')) {
    log(`scenario ${options.profileScenario}, profiled`);
    // Kept outside the repository and the temp dir: open it in Chrome DevTools (Performance) or speedscope.
    const profileDir = join(tmpdir(), 'bridgekeeper-bench');
    await mkdir(profileDir, { recursive: true });
    const file = join(profileDir, `${options.profileScenario}-${report.startedAt.replace(/[:.]/g, '-')}.cpuprofile`);
    const withProfiler = (extra: { nodeOptions: string[]; env: Record<string, string> }) =>
      start(startBridgekeeper({ ...bkOptions, ...extra, env: { ...bkOptions.env, ...extra.env } }));
    report.profile = await profileSignIn(ctx, withProfiler, file);
    log(`  ${describe(report.profile.run)}; profile ${file}`);
  }
} finally {
  for (const target of running.reverse()) await target.process.stop().catch(() => {});
  cgroup?.remove();
  await inbox?.stop();
  await google?.google.stop();
  await services?.stop();
  await rm(dir, { recursive: true, force: true });
}

const written = await writeReport(report, options.outDir);
log(`report: ${written.markdown} and ${written.json}`);

async function runAll(ctx: ScenarioContext, specs: ScenarioSpec[]): Promise<void> {
  for (const spec of specs) {
    log(`scenario ${spec.name}`);
    const result = await runScenario(spec, ctx.env);
    report.scenarios.push(result);
    log(`  ${describe(result)}`);
  }
}

function describe(result: { perSecond: number; latencyMs: { p50: number; p99: number }; cpuMsPerIteration: { server: number }; failed: number; errors: string[] }): string {
  const errors = result.failed > 0 ? `, ${result.failed} failed (${result.errors[0]})` : '';
  return `${result.perSecond.toFixed(1)}/s, p50 ${result.latencyMs.p50.toFixed(0)} ms, p99 ${result.latencyMs.p99.toFixed(0)} ms, ` +
    `server ${result.cpuMsPerIteration.server.toFixed(2)} ms CPU each${errors}`;
}

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
