/*
 * Bridgekeeper's own Prometheus metrics (metrics.enabled, on their own loopback listener), scraped before and
 * after a run: how many durable-store and KV operations one sign-in makes, and how long they took as the
 * server saw them (store_operation_duration_seconds, kv_operation_duration_seconds), how many of the store's
 * reads and writes reached the database, the read cache answering the others (database_operation_duration_seconds),
 * and the server-side time per route (http_request_duration_seconds). Only the histograms' _count and _sum are read.
 */
const HISTOGRAMS = ['store_operation_duration_seconds', 'database_operation_duration_seconds', 'kv_operation_duration_seconds', 'http_request_duration_seconds'] as const;
type Histogram = typeof HISTOGRAMS[number];

export type MetricsSnapshot = Map<string, { count: number; sum: number }>;

export interface OperationCost {
  /** `store users.findByEmail`, `db users.findById`, `kv get`, `http POST /interaction/:uid/password`. */
  operation: string;
  perIteration: number;
  meanMs: number;
  /** Time spent in it per iteration, summed over concurrent calls (ms). */
  msPerIteration: number;
}

export async function scrapeMetrics(url: string): Promise<MetricsSnapshot> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`metrics scrape answered ${response.status}`);
  const snapshot: MetricsSnapshot = new Map();
  for (const line of (await response.text()).split('\n')) {
    const match = /^(\w+)_(count|sum)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || !(HISTOGRAMS as readonly string[]).includes(match[1]!)) continue;
    const key = `${label(match[1] as Histogram)} ${describeLabels(match[3]!)}`;
    const entry = snapshot.get(key) ?? { count: 0, sum: 0 };
    entry[match[2] as 'count' | 'sum'] += Number(match[4]);
    snapshot.set(key, entry);
  }
  return snapshot;
}

export function operationCosts(before: MetricsSnapshot, after: MetricsSnapshot, iterations: number): OperationCost[] {
  const costs: OperationCost[] = [];
  for (const [operation, end] of after) {
    const start = before.get(operation) ?? { count: 0, sum: 0 };
    const count = end.count - start.count;
    if (count <= 0 || iterations <= 0) continue;
    const ms = (end.sum - start.sum) * 1000;
    costs.push({ operation, perIteration: count / iterations, meanMs: ms / count, msPerIteration: ms / iterations });
  }
  return costs.sort((a, b) => b.msPerIteration - a.msPerIteration);
}

function label(histogram: Histogram): string {
  const labels: Record<Histogram, string> = {
    store_operation_duration_seconds: 'store',
    database_operation_duration_seconds: 'db',
    kv_operation_duration_seconds: 'kv',
    http_request_duration_seconds: 'http',
  };
  return labels[histogram];
}

/** `operation="users.findByEmail"` -> `users.findByEmail`; `method="GET",route="/auth",status_class="3xx"` -> `GET /auth 3xx`. */
function describeLabels(labels: string): string {
  return [...labels.matchAll(/\w+="([^"]*)"/g)].map((m) => m[1]).join(' ');
}
