import type { Redis } from 'ioredis';
import { latencySummary, runLoad, type Flow, type LoadResult } from './load.ts';
import { cpuMs, eventLoopCpuNs, loadAverage, machineBusyMs, sampleRss, syscalls, threadCpuMs, type ThreadCpu } from './proc.ts';
import { operationCosts, scrapeMetrics, type MetricsSnapshot } from './server-metrics.ts';
import { countKeys, redisReadsProcessed, redisUsedMemory } from './services.ts';
import type { StepTimes } from './flows/timed-browser.ts';

/*
 * One scenario against one server process: a warm-up (not measured), then the measured run with, around it,
 * the CPU time of the server, Redis, FerretDB and this driver process, the server's RSS sampled throughout,
 * and Redis's used_memory and live-session count before and after.
 */
export interface Target {
  name: string;
  pid: number;
  /** SCAN pattern of the provider's Session records in Redis. */
  sessionPattern: string;
  /** Bridgekeeper's metrics listener, when it serves one. */
  metricsUrl?: string;
}

export interface ScenarioSpec {
  name: string;
  title: string;
  target: Target;
  flow: Flow;
  concurrency: number;
  durationMs: number;
  maxIterations: number;
  warmup: { durationMs: number; maxIterations: number };
  /** Set-up before the warm-up, e.g. the sign-ins that hand each virtual user a refresh token. */
  prepare?: () => Promise<void>;
  /** Called right before and after the measured run (the profiler's start and stop). */
  window?: { begin(): Promise<void>; end(): Promise<void> };
  /** What one iteration is: a sign-in (memory per live session) or a token request (memory per request). */
  unit: 'sign-in' | 'token';
}

export interface Environment {
  redis: Redis;
  pids: { redis?: number; ferretdb?: number };
  times: StepTimes;
  /** Numbers iterations across the whole bench; advanced by each run. */
  iteration: { next: number };
}

export type ScenarioResult = ReturnType<typeof summarise>;

const MIN_SESSIONS_FOR_MEMORY = 100;

export async function runScenario(spec: ScenarioSpec, env: Environment): Promise<ScenarioResult> {
  await spec.prepare?.();
  const load = (durationMs: number, maxIterations: number) => runLoad(spec.flow, {
    concurrency: spec.concurrency, durationMs, maxIterations, firstIteration: env.iteration.next,
  }).then((result) => {
    env.iteration.next = result.nextIteration;
    return result;
  });
  const warm = spec.warmup.maxIterations > 0 ? await load(spec.warmup.durationMs, spec.warmup.maxIterations) : undefined;
  if (warm && warm.completed === 0 && warm.failed > 0) throw new Error(`${spec.name}: every warm-up iteration failed: ${warm.errors.join('; ')}`);

  env.times.reset();
  // One virtual user: what the server's event loop spends in each request is that request's own cost.
  env.times.serverCpuNs = spec.concurrency === 1 ? () => eventLoopCpuNs(spec.target.pid) : undefined;
  env.times.recording = true;
  const before = await snapshot(spec, env);
  await spec.window?.begin();
  const rss = sampleRss(spec.target.pid);
  const run = await load(spec.durationMs, spec.maxIterations);
  const rssMax = rss.stop();
  await spec.window?.end();
  const after = await snapshot(spec, env);
  env.times.recording = false;
  env.times.serverCpuNs = undefined;
  return summarise(spec, run, before, after, rssMax, env.times, warm);
}

interface Snapshot {
  cpu: { server: number; redis?: number; ferretdb?: number; driver: number; machine: number };
  serverThreads: ThreadCpu;
  load: number;
  /** The server's read and write system calls. */
  syscalls: { reads: number; writes: number };
  /** Command batches Redis has read from all its clients (during a run, nearly all of them the server's). */
  redisReads: number;
  redisBytes: number;
  sessions: number;
  metrics?: MetricsSnapshot;
}

async function snapshot(spec: ScenarioSpec, env: Environment): Promise<Snapshot> {
  const usage = process.cpuUsage();
  return {
    cpu: {
      server: cpuMs(spec.target.pid),
      ...(env.pids.redis ? { redis: cpuMs(env.pids.redis) } : {}),
      ...(env.pids.ferretdb ? { ferretdb: cpuMs(env.pids.ferretdb) } : {}),
      driver: (usage.user + usage.system) / 1000,
      machine: machineBusyMs(),
    },
    serverThreads: threadCpuMs(spec.target.pid),
    load: loadAverage(),
    syscalls: syscalls(spec.target.pid),
    redisReads: await redisReadsProcessed(env.redis),
    redisBytes: await redisUsedMemory(env.redis),
    sessions: await countKeys(env.redis, spec.target.sessionPattern),
    ...(spec.target.metricsUrl ? { metrics: await scrapeMetrics(spec.target.metricsUrl) } : {}),
  };
}

function summarise(spec: ScenarioSpec, run: LoadResult, before: Snapshot, after: Snapshot, rssMax: number, times: StepTimes, warm?: LoadResult) {
  const per = (value: number) => (run.completed > 0 ? value / run.completed : Number.NaN);
  const delta = (key: keyof Snapshot['cpu']) => {
    const [b, a] = [before.cpu[key], after.cpu[key]];
    return a === undefined || b === undefined ? Number.NaN : a - b;
  };
  const sessions = after.sessions - before.sessions;
  const operations = before.metrics && after.metrics ? operationCosts(before.metrics, after.metrics, run.completed) : [];
  const total = (kind: string, field: 'perIteration' | 'msPerIteration') =>
    operations.filter((o) => o.operation.startsWith(`${kind} `)).reduce((sum, o) => sum + o[field], 0);
  const redisDelta = after.redisBytes - before.redisBytes;
  return {
    name: spec.name,
    title: spec.title,
    target: spec.target.name,
    unit: spec.unit,
    concurrency: spec.concurrency,
    warmup: warm ? { completed: warm.completed, failed: warm.failed } : undefined,
    completed: run.completed,
    failed: run.failed,
    errors: run.errors,
    elapsedSeconds: run.elapsedMs / 1000,
    perSecond: run.completed / (run.elapsedMs / 1000),
    latencyMs: latencySummary(run.latenciesMs),
    /** Latency without the time the driver spent outside the server (the IdP's parsing and signing). */
    netLatencyMs: latencySummary(run.netLatenciesMs),
    excludedMsPerIteration: per(run.excludedMs),
    cpuMsPerIteration: {
      server: per(delta('server')),
      redis: per(delta('redis')),
      ferretdb: per(delta('ferretdb')),
      driver: per(delta('driver')),
    },
    /** The server's CPU per iteration by thread group (proc.ts): argon2id runs in libuv's pool. */
    serverThreadsMsPerIteration: Object.fromEntries((Object.keys(after.serverThreads) as (keyof ThreadCpu)[])
      .map((group) => [group, per(after.serverThreads[group] - before.serverThreads[group])])) as unknown as ThreadCpu,
    /**
     * Messages per iteration: the server's socket reads and writes (system calls), and the command batches Redis
     * received from all its clients (the bench's own few INFO and SCAN calls included). Counts, so unlike CPU
     * time they do not move with the machine's speed.
     */
    messages: {
      serverReads: per(after.syscalls.reads - before.syscalls.reads),
      serverWrites: per(after.syscalls.writes - before.syscalls.writes),
      redisRoundTrips: per(after.redisReads - before.redisReads),
    },
    /** Cores busy on average during the run. */
    coresBusy: {
      server: delta('server') / run.elapsedMs,
      redis: delta('redis') / run.elapsedMs,
      ferretdb: delta('ferretdb') / run.elapsedMs,
      driver: delta('driver') / run.elapsedMs,
      /** Everything else on the machine (other processes, the kernel's own work): a quiet machine shows ~0. */
      others: (delta('machine') - delta('server') - delta('redis') - delta('ferretdb') - delta('driver')) / run.elapsedMs,
    },
    loadAverage: { before: before.load, after: after.load },
    serverRssMaxMiB: rssMax / 2 ** 20,
    redis: {
      usedMemoryDeltaBytes: redisDelta,
      liveSessionsDelta: sessions,
      // Short-lived records expiring during the run make the delta noisy: too few new sessions say nothing.
      bytesPerLiveSession: spec.unit === 'sign-in' && sessions >= MIN_SESSIONS_FOR_MEMORY ? redisDelta / sessions : Number.NaN,
      bytesPerIteration: per(redisDelta),
    },
    /** From the server's own metrics: storage operations per iteration and the time they took. */
    storage: operations.length > 0 ? {
      storeOpsPerIteration: total('store', 'perIteration'),
      storeMsPerIteration: total('store', 'msPerIteration'),
      databaseOpsPerIteration: total('db', 'perIteration'),
      databaseMsPerIteration: total('db', 'msPerIteration'),
      kvOpsPerIteration: total('kv', 'perIteration'),
      kvMsPerIteration: total('kv', 'msPerIteration'),
    } : undefined,
    operations,
    steps: [...times.byStep].map(([step, values]) => {
      const serverCpu = times.serverCpuByStep.get(step);
      return {
        step,
        count: values.length,
        meanMs: mean(values),
        ...latencySummary(values),
        /** With one virtual user only: the server's event-loop CPU per request of this step, mean (ms). */
        ...(serverCpu ? { serverCpuMeanMs: mean(serverCpu) } : {}),
      };
    }),
  };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
