import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Argon2Rate } from './argon2-rate.ts';
import type { AddressLimitProbe } from './flows/ip-limit.ts';
import type { ScenarioResult } from './measure.ts';
import type { BenchOptions } from './options.ts';
import { machine, type Machine } from './proc.ts';
import type { ProfiledRun } from './profile.ts';
import type { KeyGroup } from './redis-keys.ts';
import { renderMarkdown } from './report-markdown.ts';
import { judgeTargets, type Verdict } from './verdicts.ts';

/* The report of one run: everything measured, as JSON, and the same as Markdown for people (report-markdown.ts). */
export interface BenchReport {
  startedAt: string;
  finishedAt?: string;
  command: string;
  options: Omit<BenchOptions, 'scenarios'> & { scenarios: string[] };
  machine: Machine;
  versions: { node: string; redis?: string; ferretdb?: string; oidcProvider: string; commit: string };
  argon2?: Argon2Rate;
  bootstrapImportSeconds?: number;
  world?: { passwordUsers: number; otpUsers: number; samlUsersPerOrganization: number };
  targets?: Verdict[];
  scenarios: ScenarioResult[];
  addressLimit?: AddressLimitProbe;
  redisKeys?: KeyGroup[];
  profile?: ProfiledRun;
}

export function newReport(options: BenchOptions): BenchReport {
  return {
    startedAt: new Date().toISOString(),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    options: { ...options, scenarios: [...options.scenarios] },
    machine: machine(),
    versions: { node: process.version, oidcProvider: packageVersion('oidc-provider'), commit: gitCommit() },
    scenarios: [],
  };
}

export async function writeReport(report: BenchReport, outDir: string): Promise<{ markdown: string; json: string }> {
  report.finishedAt = new Date().toISOString();
  report.targets = judgeTargets(report);
  await mkdir(outDir, { recursive: true });
  const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const json = join(outDir, `${stamp}.json`);
  const markdown = join(outDir, `${stamp}.md`);
  await writeFile(json, `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`);
  await writeFile(markdown, renderMarkdown(report));
  return { markdown, json };
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The commit measured, `+ local changes` when the working tree's src/ differs from it. */
function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'views'], { encoding: 'utf8' }).trim();
    return dirty ? `${commit} + local changes in src/ or views/` : commit;
  } catch {
    return 'unknown';
  }
}
