import type { ScenarioResult } from './measure.ts';
import type { BenchReport } from './report.ts';
import type { StepProfile } from './profile-summary.ts';
import { fixed, judgeTargets, percent } from './verdicts.ts';

/* The Markdown form of a report: targets first, then the figures, then where the time and memory go. */
export function renderMarkdown(report: BenchReport): string {
  const { machine: m, versions: v } = report;
  const lines = [
    `# Bridgekeeper benchmark, ${report.startedAt}`,
    '',
    `\`${report.command}\` (README.md explains every figure).`,
    '',
    `- Machine: ${m.cpus} CPUs (${m.model}), ${m.memoryGiB} GiB, Linux ${m.kernel}`,
    `- Node ${v.node}, Redis ${v.redis ?? '?'}, FerretDB ${v.ferretdb ?? '?'} (SQLite handler, files in ${report.options.storeDir}), oidc-provider ${v.oidcProvider}; commit ${v.commit}`,
    `- ${report.options.concurrency} virtual users, ${report.options.durationMs / 1000} s measured per scenario (token-endpoint ones at most 10 s) after ${report.options.warmupMs / 1000} s of warm-up, at most ${report.options.maxIterations} iterations`,
    '- Server, Redis, FerretDB and the load driver (openid-client, the samlify IdP, the SMTP server) share these CPUs: throughput is what the whole machine does; the CPU columns say who spent it.',
    ...serverSetup(report),
    '',
    '## Targets',
    '',
    '| Target | Measured | Result | Note |',
    '|---|---|---|---|',
    ...(report.targets ?? judgeTargets(report)).map((t) => `| ${t.target} | ${t.measured} | ${t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : 'FAIL'} | ${t.note ?? ''} |`),
    '',
    '## Scenarios',
    '',
    '| Scenario | Done | Failed | Per s | p50 / p95 / p99 ms | p99 w/o IdP | Server CPU ms | Redis / FerretDB / driver CPU ms | Cores busy: server / Redis+FerretDB / driver / other processes | Server RSS max | Redis bytes per session |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...[...report.scenarios, ...(report.profile ? [report.profile.run] : [])].map(scenarioRow),
    '',
    'CPU columns are per completed iteration (sign-in or token request). "Other processes" is CPU the machine spent outside the bench\'s own processes during the run: well above 0, the figures were taken on a busy machine.',
    '',
  ];
  if (report.argon2) {
    const a = report.argon2;
    lines.push('## argon2id alone', '', `${fixed(a.perSecond)} verifications/s with ${a.inFlight} in flight (m=${a.parameters.memoryCost} KiB, t=${a.parameters.timeCost}, p=${a.parameters.parallelism}); ` +
      `${fixed(a.cpuMsPerVerification, 2)} ms CPU and ${fixed(a.wallMsPerVerification.mean)} ms wall each.`, '');
  }
  lines.push(...failures(report.scenarios), ...threadSummary(report.scenarios), ...messageSummary(report.scenarios), ...storageSummary(report.scenarios), ...stepTables(report.scenarios), ...profileSection(report), ...memorySection(report), ...limitSection(report));
  return `${lines.join('\n')}\n`;
}

function scenarioRow(s: ScenarioResult): string {
  const c = s.cpuMsPerIteration;
  const perSession = s.unit === 'sign-in' ? `${fixed(s.redis.bytesPerLiveSession, 0)}` : `${fixed(s.redis.bytesPerIteration, 0)} per request`;
  return `| ${s.name} (${s.target}) | ${s.completed} | ${s.failed} | ${fixed(s.perSecond)} | ${fixed(s.latencyMs.p50)} / ${fixed(s.latencyMs.p95)} / ${fixed(s.latencyMs.p99)} | ` +
    `${s.excludedMsPerIteration > 0 ? fixed(s.netLatencyMs.p99) : ''} | ${fixed(c.server, 2)} | ${fixed(c.redis, 2)} / ${fixed(c.ferretdb, 2)} / ${fixed(c.driver, 2)} | ` +
    `${fixed(s.coresBusy.server, 2)} / ${fixed(s.coresBusy.redis + s.coresBusy.ferretdb, 2)} / ${fixed(s.coresBusy.driver, 2)} / ${fixed(s.coresBusy.others, 2)} | ` +
    `${fixed(s.serverRssMaxMiB, 0)} MiB | ${perSession} |`;
}

function failures(scenarios: ScenarioResult[]): string[] {
  const failed = scenarios.filter((s) => s.failed > 0);
  if (failed.length === 0) return [];
  return ['## Failures', '', ...failed.flatMap((s) => s.errors.map((e) => `- ${s.name}: ${e}`)), ''];
}

function stepTables(scenarios: ScenarioResult[]): string[] {
  const lines = ['## Where the wall time goes, hop by hop', '', 'Each request of a flow as the driver saw it (queueing on a busy machine included).', ''];
  for (const s of scenarios) {
    // With one virtual user, each request's server CPU is its own (StepTimes.serverCpuNs).
    const cpu = s.steps.some((step) => step.serverCpuMeanMs !== undefined);
    lines.push(`### ${s.name}: ${s.title}`, '', `| Step | Count | Mean ms | p50 | p95 | p99 |${cpu ? ' Server event loop ms |' : ''}`,
      `|---|---|---|---|---|---|${cpu ? '---|' : ''}`);
    for (const step of s.steps) {
      lines.push(`| ${step.step} | ${step.count} | ${fixed(step.meanMs)} | ${fixed(step.p50)} | ${fixed(step.p95)} | ${fixed(step.p99)} |` +
        (cpu ? ` ${step.serverCpuMeanMs === undefined ? '' : fixed(step.serverCpuMeanMs, 3)} |` : ''));
    }
    if (cpu) {
      const sum = s.steps.reduce((total, step) => total + (step.serverCpuMeanMs ?? 0) * step.count, 0) / s.completed;
      lines.push('', `One virtual user: the last column is the server's event-loop CPU (its main thread's scheduler time) ` +
        `between a request's sending and its answer, per request; ${fixed(sum, 3)} ms per ${s.unit} over the steps, against ` +
        `${fixed(s.serverThreadsMsPerIteration.main, 2)} ms for the whole run by the clock ticks (which include the work between requests).`);
    }
    lines.push('');
    if (s.storage) {
      const st = s.storage;
      lines.push(`Server side (its metrics), per ${s.unit}: ${fixed(st.storeOpsPerIteration)} durable-store operations taking ${fixed(st.storeMsPerIteration)} ms, ` +
        `of which ${fixed(st.databaseOpsPerIteration)} reached the database (${fixed(st.databaseMsPerIteration)} ms; the read cache answered the rest), ` +
        `${fixed(st.kvOpsPerIteration)} KV operations taking ${fixed(st.kvMsPerIteration)} ms (summed, concurrent ones included). Costliest:`, '',
      '| Operation | Per iteration | Mean ms | ms per iteration |', '|---|---|---|---|',
      ...s.operations.filter((o) => !o.operation.startsWith('db ')).slice(0, 15).map((o) => `| ${o.operation} | ${fixed(o.perIteration, 2)} | ${fixed(o.meanMs, 2)} | ${fixed(o.msPerIteration)} |`), '');
    }
  }
  return lines;
}

function threadSummary(scenarios: ScenarioResult[]): string[] {
  if (scenarios.length === 0) return [];
  return [
    '## Server CPU by thread', '',
    '| Scenario | Event loop (JavaScript) | V8 helpers (GC, compiler) | libuv pool (argon2id) | Other threads | Server CPU ms |', '|---|---|---|---|---|---|',
    ...scenarios.map((s) => {
      const t = s.serverThreadsMsPerIteration;
      return `| ${s.name} (${s.target}) | ${fixed(t.main, 2)} | ${fixed(t.v8, 2)} | ${fixed(t.pool, 2)} | ${fixed(t.other, 2)} | ${fixed(s.cpuMsPerIteration.server, 2)} |`;
    }),
    '', 'Per iteration, from `/proc/<pid>/task/*/stat`, by the names Node gives its threads. Password hashing runs on',
    'libuv\'s pool, so "Server CPU ms" less that column is what a sign-in costs besides argon2id, measured under the',
    'same load rather than subtracted from a run of its own.', '',
  ];
}

function messageSummary(scenarios: ScenarioResult[]): string[] {
  if (scenarios.length === 0) return [];
  return [
    '## Messages between processes', '',
    '| Scenario | Server read calls | Server write calls | Redis round trips |', '|---|---|---|---|',
    ...scenarios.map((s) => `| ${s.name} (${s.target}) | ${fixed(s.messages.serverReads)} | ${fixed(s.messages.serverWrites)} | ${fixed(s.messages.redisRoundTrips)} |`),
    '', 'Per iteration. Read and write calls are the server process\'s system calls (`/proc/<pid>/io`): socket reads and',
    'writes to the driver, Redis, FerretDB and the SMTP server, and log lines. Redis round trips are the command',
    'batches Redis read from its clients (`total_reads_processed`). Unlike CPU time they do not change with the',
    'machine\'s speed.', '',
  ];
}

function storageSummary(scenarios: ScenarioResult[]): string[] {
  const measured = scenarios.filter((s) => s.storage);
  if (measured.length === 0) return [];
  return [
    '## Storage round trips (from the server\'s metrics)', '',
    '| Scenario | Store ops | Database round trips | Database ms | KV ops | KV ms | FerretDB CPU ms | Redis CPU ms |', '|---|---|---|---|---|---|---|---|',
    ...measured.map((s) => `| ${s.name} | ${fixed(s.storage!.storeOpsPerIteration)} | ${fixed(s.storage!.databaseOpsPerIteration)} | ` +
      `${fixed(s.storage!.databaseMsPerIteration)} | ${fixed(s.storage!.kvOpsPerIteration)} | ` +
      `${fixed(s.storage!.kvMsPerIteration)} | ${fixed(s.cpuMsPerIteration.ferretdb, 2)} | ${fixed(s.cpuMsPerIteration.redis, 2)} |`),
    '', 'Per iteration; "ms" is the time the server waited on those operations, summed. Store operations are the calls the',
    'code makes; database round trips, those the read cache (mongodb.cacheMaxAgeSeconds) did not answer. Its',
    'checks are the `kv cache.*` operations.', '',
    '| Scenario | Database round trips per iteration, by collection and operation |', '|---|---|',
    ...measured.map((s) => `| ${s.name} | ${s.operations.filter((o) => o.operation.startsWith('db '))
      .map((o) => `${o.operation.slice(3)} ${fixed(o.perIteration, 2)}`).join(', ') || 'none'} |`), '',
  ];
}

function profileSection(report: BenchReport): string[] {
  const p = report.profile;
  if (!p) return [];
  const { summary } = p;
  return [
    `## Where the server CPU goes (${p.scenario}, V8 CPU profile)`,
    '',
    `The profiled ${p.scenario} run (separate server process, profiler on for the measured window only): ${fixed(summary.activeMs, 0)} ms of CPU on the main thread sampled ` +
      `out of ${fixed(summary.sampledMs, 0)} ms; shares below are of the non-idle samples. Work on libuv's threads (argon2id, zlib) is not in a JS profile.`,
    '',
    '| Area (self time) | ms | Share |', '|---|---|---|',
    ...summary.areas.slice(0, 20).map((a) => `| ${a.area} | ${fixed(a.selfMs, 0)} | ${percent(a.share)} |`),
    '',
    '| Function (self time) | Area | Location | ms | Share |', '|---|---|---|---|---|',
    ...summary.functions.map((f) => `| ${f.name.replace(/\|/g, '\\|')} | ${f.area} | ${f.location} | ${fixed(f.selfMs, 0)} | ${percent(f.share)} |`),
    '',
    ...stepProfileTable(summary.steps),
  ];
}

/** With one virtual user, the profile split by the request each sample fell in. */
function stepProfileTable(steps: StepProfile[] | undefined): string[] {
  if (!steps?.length) return [];
  return [
    'By hop (one virtual user, so each sample belongs to the one request in flight; the profiler\'s own cost included):', '',
    '| Step | Requests | Sampled ms per request | Areas, ms per request |', '|---|---|---|---|',
    ...steps.map((s) => `| ${s.step} | ${s.requests} | ${fixed(s.msPerRequest, 3)} | ` +
      `${s.areas.slice(0, 6).map((a) => `${a.area} ${fixed(a.msPerRequest, 3)}`).join(', ')} |`),
    '',
  ];
}

/* The records that live as long as a sign-in's session does: the session, its uid index, the grant and its group. */
const SESSION_LIFETIME_KEYS = [':oidc:Session:*', ':oidc:uid:*', ':oidc:Grant:*', ':oidc:grant:*', ':grant-context:*'];

function memorySection(report: BenchReport): string[] {
  if (!report.redisKeys?.length) return [];
  const lasting = report.redisKeys.filter((k) => SESSION_LIFETIME_KEYS.some((suffix) => k.shape.endsWith(suffix)));
  const perSession = lasting.reduce((sum, k) => sum + k.meanBytes, 0);
  return [
    '## What stays in Redis (Bridgekeeper keys after the runs)',
    '',
    `A live sign-in keeps ${fixed(perSession, 0)} bytes (MEMORY USAGE) for as long as its session lives (14 days): ` +
      `${lasting.map((k) => `\`${k.shape.replace(/^[^:]+:[kg]:/, '')}\` ${fixed(k.meanBytes, 0)}`).join(', ')}; ` +
      'access tokens (10 min), codes and their consumed markers (60 s), replay ids and counters come and go on top.',
    '',
    '| Key shape | Keys | Mean bytes (MEMORY USAGE) | Estimated total |', '|---|---|---|---|',
    ...report.redisKeys.slice(0, 25).map((k) => `| \`${k.shape}\` | ${k.count} | ${fixed(k.meanBytes, 0)} | ${fixed(k.estimatedBytes / 2 ** 20, 1)} MiB |`),
    '',
  ];
}

function limitSection(report: BenchReport): string[] {
  const probe = report.addressLimit;
  const lines: string[] = [];
  if (report.bootstrapImportSeconds !== undefined) {
    const users = report.world ? report.world.passwordUsers + report.world.otpUsers : '?';
    lines.push('## Start-up', '', `Bridgekeeper started and imported the bench's bootstrap file (4 organisations, ${users} users with memberships, 2 SAML connections, 2 clients) ` +
      `into FerretDB in ${fixed(report.bootstrapImportSeconds)} s.`, '');
  }
  if (!probe) return lines;
  const verdict = probe.refused > 0
    ? `the first refusal (429, Retry-After ${probe.retryAfterSeconds} s) came after ${probe.succeeded} successful sign-ins`
    : `no refusal within ${probe.attempts} attempts`;
  lines.push('## Per-address limit', '', `Password sign-ins from 127.0.0.1 with no X-Forwarded-For: ${verdict}. ` +
    'The scenarios above therefore give every sign-in its own client address through X-Forwarded-For (server.trustProxy on, as behind a load balancer).', '');
  return lines;
}

/** How the servers under test were run, when not as plain `node`: their flags and memory cgroup. */
function serverSetup(report: BenchReport): string[] {
  const { serverNodeOptions: flags = [], serverMemoryMiB: limit } = report.options;
  if (flags.length === 0 && limit === undefined) return [];
  const how = [
    ...(flags.length > 0 ? [`with node flags \`${flags.join(' ')}\``] : []),
    ...(limit !== undefined ? [`in a memory cgroup of ${limit} MiB (as in a container with that memory limit)`] : []),
  ];
  return [`- Each server under test (the baseline's, Bridgekeeper's) ran ${how.join(', ')}.`];
}
