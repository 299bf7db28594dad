/*
 * N virtual users, each running one flow after another, bounded by a deadline and by a total count: a
 * virtual user starts a new iteration only while both allow it, so the run ends at most one iteration after
 * the deadline. Each iteration's wall time is recorded, and, apart, the part of it spent outside the system
 * under test (`excludedMs`, e.g. the IdP signing in this process).
 */
export type Flow = (n: number, vu: number) => Promise<{ excludedMs?: number }>;

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  maxIterations: number;
  /** Numbers the iterations from here (so every iteration of a bench has its own user and address). */
  firstIteration?: number;
  /** Stop early when this many iterations failed (and at least half of them did). */
  maxErrors?: number;
}

export interface LoadResult {
  completed: number;
  failed: number;
  elapsedMs: number;
  latenciesMs: number[];
  /** Latency minus the excluded part, per completed iteration. */
  netLatenciesMs: number[];
  excludedMs: number;
  errors: string[];
  nextIteration: number;
}

const KEPT_ERRORS = 5;

export async function runLoad(flow: Flow, options: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const deadline = started + options.durationMs;
  const maxErrors = options.maxErrors ?? 50;
  let next = options.firstIteration ?? 0;
  const last = next + options.maxIterations;
  const result: LoadResult = { completed: 0, failed: 0, elapsedMs: 0, latenciesMs: [], netLatenciesMs: [], excludedMs: 0, errors: [], nextIteration: 0 };
  const tooManyErrors = () => result.failed >= maxErrors && result.failed * 2 >= result.failed + result.completed;

  async function virtualUser(vu: number): Promise<void> {
    while (performance.now() < deadline && next < last && !tooManyErrors()) {
      const n = next++;
      const begun = performance.now();
      try {
        const { excludedMs = 0 } = await flow(n, vu);
        const ms = performance.now() - begun;
        result.completed++;
        result.latenciesMs.push(ms);
        result.netLatenciesMs.push(ms - excludedMs);
        result.excludedMs += excludedMs;
      } catch (error) {
        result.failed++;
        if (result.errors.length < KEPT_ERRORS) result.errors.push(`#${n}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500));
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, (_, vu) => virtualUser(vu)));
  result.elapsedMs = performance.now() - started;
  result.nextIteration = next;
  return result;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function latencySummary(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}
