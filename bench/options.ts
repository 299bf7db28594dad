import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';

/* Command-line options of `npm run bench -- [options]`; README.md describes each. */
export const SCENARIOS = [
  'argon2', 'baseline', 'password', 'password-otp', 'saml', 'saml-otp', 'google', 'google-otp', 'refresh', 'client-credentials',
  'baseline-refresh', 'baseline-client-credentials', 'ip-limit', 'profile',
] as const;
export type ScenarioName = typeof SCENARIOS[number];
export const PROFILED_SCENARIOS = ['saml', 'google', 'password'] as const;
export type ProfiledScenario = typeof PROFILED_SCENARIOS[number];

/** Where Redis and FerretDB keep their files unless told: tmpfs where there is one. */
export const DEFAULT_STORE_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

export interface BenchOptions {
  durationMs: number;
  warmupMs: number;
  concurrency: number;
  maxIterations: number;
  scenarios: Set<ScenarioName>;
  profileMs: number;
  /** The sign-in the `profile` scenario runs again under the profiler. */
  profileScenario: ProfiledScenario;
  outDir: string;
  samlUsers: number;
  /** Where Redis and FerretDB keep their files: tmpfs by default, so the disk's fsync is not what is measured. */
  storeDir: string;
  /** Node flags of every server under test (the baseline's and Bridgekeeper's). */
  serverNodeOptions: string[];
  /** Each server under test runs in a memory cgroup of this many MiB, as in a container with that limit. */
  serverMemoryMiB?: number;
}

export const USAGE = `usage: npm run bench -- [--duration 15] [--warmup 3] [--concurrency 32] [--max 20000]
                      [--scenarios ${SCENARIOS.join(',')}]
                      [--profile-duration 10] [--profile-scenario saml|google|password] [--saml-users 64] [--store-dir /dev/shm] [--out bench/results]
                      [--server-node-options=--max-semi-space-size=16] [--server-memory 512]`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '32' },
      max: { type: 'string', default: '20000' },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      'profile-duration': { type: 'string', default: '10' },
      'profile-scenario': { type: 'string', default: 'saml' },
      'saml-users': { type: 'string', default: '64' },
      out: { type: 'string', default: 'bench/results' },
      'store-dir': { type: 'string', default: DEFAULT_STORE_DIR },
      'server-node-options': { type: 'string', default: '' },
      'server-memory': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) throw new UsageError(USAGE);
  const scenarios = values.scenarios.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown scenario(s): ${unknown.join(', ')}\n${USAGE}`);
  const profileScenario = values['profile-scenario'];
  if (!(PROFILED_SCENARIOS as readonly string[]).includes(profileScenario)) {
    throw new UsageError(`--profile-scenario must be one of ${PROFILED_SCENARIOS.join(', ')}\n${USAGE}`);
  }
  return {
    durationMs: seconds(values.duration, '--duration', 1, 600) * 1000,
    warmupMs: seconds(values.warmup, '--warmup', 0, 60) * 1000,
    concurrency: integer(values.concurrency, '--concurrency', 1, 1024),
    maxIterations: integer(values.max, '--max', 1, 1_000_000),
    scenarios: new Set(scenarios as ScenarioName[]),
    profileMs: seconds(values['profile-duration'], '--profile-duration', 1, 120) * 1000,
    profileScenario: profileScenario as ProfiledScenario,
    outDir: values.out,
    samlUsers: integer(values['saml-users'], '--saml-users', 1, 100_000),
    storeDir: values['store-dir'],
    serverNodeOptions: values['server-node-options'].split(/\s+/).filter(Boolean),
    ...(values['server-memory'] === undefined ? {} : { serverMemoryMiB: integer(values['server-memory'], '--server-memory', 128, 65_536) }),
  };
}

export class UsageError extends Error {}

export function seconds(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw new UsageError(`${name} must be a number of seconds from ${min} to ${max}`);
  return value;
}

export function integer(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}`);
  return value;
}
