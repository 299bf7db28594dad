import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { googleSignIn } from './flows/google.ts';
import { passwordSignIn } from './flows/password.ts';
import { relyingApp } from './flows/rp.ts';
import { discoverSp, samlSignIn } from './flows/saml.ts';
import { StepTimes } from './flows/timed-browser.ts';
import { startBenchGoogle, type BenchGoogle } from './google.ts';
import { startInbox, type Inbox } from './inbox.ts';
import { runLoad, type Flow } from './load.ts';
import { DEFAULT_STORE_DIR, integer, seconds, UsageError } from './options.ts';
import { cpuMs, machine, syscalls } from './proc.ts';
import { startBenchServices, type BenchServices } from './services.ts';
import { benchSecrets, startBridgekeeper, type RunningTarget } from './targets.ts';
import { writeBenchWorld, type BenchWorld } from './world.ts';
import { freePort } from '../test/support/services.ts';

/*
 * `npm run bench:compare -- --against <checkout>`: this checkout's server against another's (an earlier
 * commit, say), on the same Redis, FerretDB and bootstrap world, in one run. The two take turns in short
 * windows, in alternating order, so that the machine's drifting speed (25 % from one run to the next on this
 * kind of machine) falls on both alike: the ratio of their CPU per sign-in is what a change did. The other
 * checkout needs its own node_modules (`npm ci` there, or a link to these).
 */

const USAGE = `usage: npm run bench:compare -- --against <checkout> [--scenario password|google|saml] [--rounds 12] [--window 2] [--concurrency 16] [--out bench/results]`;
const SCENARIOS = ['password', 'google', 'saml'] as const;
type Scenario = typeof SCENARIOS[number];
const WARMUP_MS = 4_000;
const USERS = 64;

interface Side {
  name: string;
  root: string;
  running: RunningTarget;
  flow: Flow;
  cpuMs: number;
  writes: number;
  completed: number;
  failed: number;
  firstError?: string;
}

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
const dir = await mkdtemp(join(tmpdir(), 'bk-compare-'));
let services: BenchServices | undefined;
let inbox: Inbox | undefined;
const googles: BenchGoogle[] = [];
const sides: Side[] = [];
try {
  services = await startBenchServices(options.storeDir);
  inbox = await startInbox();
  const world = await writeBenchWorld(dir, { passwordUsers: USERS, otpUsers: 1 });
  const secrets = benchSecrets();
  for (const [name, root] of [['this checkout', undefined], ['--against', options.against]] as const) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const google = options.scenario === 'google' ? await startBenchGoogle(world, url, USERS) : undefined;
    if (google) googles.push(google);
    log(`starting ${name}${root ? ` (${root})` : ''}`);
    const running = await startBridgekeeper({
      redisUrl: services.redisUrl, mongoUrl: services.mongoUrl, smtpPort: inbox.port, bootstrapFile: world.file,
      dataDir: await mkdtemp(join(dir, 'data-')), secrets, port, env: google?.env ?? {}, ...(root ? { root } : {}),
    });
    sides.push({ name, root: root ?? process.cwd(), running, flow: await flowFor(options.scenario, world, url, google), cpuMs: 0, writes: 0, completed: 0, failed: 0 });
  }

  let iteration = 0;
  const drive = async (side: Side, ms: number, counted: boolean) => {
    const pid = side.running.target.pid;
    const [cpuBefore, writesBefore] = [cpuMs(pid), syscalls(pid).writes];
    const run = await runLoad(side.flow, { concurrency: options.concurrency, durationMs: ms, maxIterations: Number.MAX_SAFE_INTEGER, firstIteration: iteration });
    iteration = run.nextIteration;
    side.firstError ??= run.errors[0];
    if (!counted) return;
    side.cpuMs += cpuMs(pid) - cpuBefore;
    side.writes += syscalls(pid).writes - writesBefore;
    side.completed += run.completed;
    side.failed += run.failed;
  };
  // Just-in-time provisioning (Google, SAML) and the JIT compiler's warm-up happen here, outside the figures.
  for (const side of sides) await drive(side, WARMUP_MS, false);
  for (let round = 0; round < options.rounds; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) await drive(side, options.windowMs, true);
    log(`round ${round + 1}/${options.rounds}: ${sides.map((s) => `${s.name} ${perSignIn(s.cpuMs, s).toFixed(2)} ms`).join(', ')}`);
  }
  const report = describe(sides);
  await mkdir(options.outDir, { recursive: true });
  const file = join(options.outDir, `compare-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}Z.md`);
  await writeFile(file, report);
  console.log(`\n${report}`);
  log(`report: ${file}`);
  if (sides.some((s) => s.failed > 0 || s.completed === 0)) process.exitCode = 1;
} finally {
  for (const side of sides.reverse()) await side.running.process.stop().catch(() => {});
  for (const google of googles) await google.google.stop().catch(() => {});
  await inbox?.stop();
  await services?.stop();
  await rm(dir, { recursive: true, force: true });
}

async function flowFor(scenario: Scenario, world: BenchWorld, url: string, google: BenchGoogle | undefined): Promise<Flow> {
  const app = await relyingApp(url, 'bench-app', world.clientSecret);
  const times = new StepTimes();
  if (scenario === 'password') return passwordSignIn({ app, times, email: world.passwordUsers });
  if (scenario === 'saml') {
    // The IdP signs in the driver, as in `npm run bench`; its CPU is the driver's, not the server's.
    const sp = await discoverSp(app, times, world.idps.samlco, 'samlco');
    return samlSignIn({ app, times, idp: world.idps.samlco, sp, org: 'samlco', email: (i) => world.samlUser('samlco', i % USERS) });
  }
  return googleSignIn({ app, times, google: google!.google, bridgekeeperUrl: url, org: 'gco', email: (i) => world.googleUser('gco', i % USERS) });
}

/** The checkout's commit, marked when it has changes of its own. */
function commitOf(root: string): string {
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' with uncommitted changes' : ''}`;
  } catch {
    return `${root} (not a git checkout)`;
  }
}

function perSignIn(total: number, side: Side): number {
  return side.completed > 0 ? total / side.completed : Number.NaN;
}

function describe([mine, other]: Side[]): string {
  const row = (s: Side) => `| ${s.name} | ${commitOf(s.root)} | ${s.completed} | ${s.failed} | ${perSignIn(s.cpuMs, s).toFixed(2)} | ${perSignIn(s.writes, s).toFixed(1)} |`;
  const m = machine();
  return [
    `# Bridgekeeper against another checkout: ${options.scenario} sign-ins`, '',
    `${new Date().toISOString()}; ${m.cpus} x ${m.model}, Node ${process.versions.node}; ${options.rounds} rounds of ${options.windowMs / 1000} s per side, ` +
      `${options.concurrency} users, turns in alternating order, after ${WARMUP_MS / 1000} s of warm-up each.`, '',
    '| Server | Commit | Sign-ins | Failed | Server CPU ms per sign-in | Server write calls per sign-in |', '|---|---|---|---|---|---|',
    row(mine!), row(other!), '',
    `This checkout's server CPU per sign-in is ${(perSignIn(mine!.cpuMs, mine!) / perSignIn(other!.cpuMs, other!)).toFixed(3)} times the other's.`,
    ...sides.filter((s) => s.firstError).map((s) => `\n${s.name}: first failure: ${s.firstError}`), '',
  ].join('\n');
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      against: { type: 'string' },
      scenario: { type: 'string', default: 'password' },
      rounds: { type: 'string', default: '12' },
      window: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '16' },
      out: { type: 'string', default: 'bench/results' },
      'store-dir': { type: 'string', default: DEFAULT_STORE_DIR },
    },
  });
  const fail = (message: string): never => {
    throw new UsageError(message);
  };
  const against = values.against ? resolve(values.against) : fail('--against is required');
  if (!existsSync(join(against, 'src/main.ts'))) fail(`${against} holds no src/main.ts: not a Bridgekeeper checkout`);
  if (!existsSync(join(against, 'node_modules'))) fail(`${against} has no node_modules: run npm ci there, or link this checkout's`);
  if (!(SCENARIOS as readonly string[]).includes(values.scenario)) fail(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  return {
    against,
    scenario: values.scenario as Scenario,
    rounds: integer(values.rounds, '--rounds', 2, 200),
    windowMs: seconds(values.window, '--window', 1, 60) * 1000,
    concurrency: integer(values.concurrency, '--concurrency', 1, 256),
    outDir: values.out,
    storeDir: values['store-dir'],
  };
}

function log(message: string): void {
  console.log(`[compare ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
