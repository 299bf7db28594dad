import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/*
 * The instruments every part of Bridgekeeper may record into, on a registry of its own (never prom-client's
 * global one, so two apps in one process, as in tests, do not count into each other).
 * - label values come from closed sets (route templates, method names, policy names, reason codes), never from
 *   request data: a raw path or an email as a label would leak ids and tokens and grow without bound
 * - names follow the Prometheus conventions: base units (seconds), `_total` for counters
 */

/** Store and KV latencies are sub-millisecond to tens of milliseconds; the default HTTP buckets start too late. */
const OPERATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface Metrics {
  registry: Registry;
  /** `route` is the matched route template (`/admin/v1/orgs/:orgId/members`) or `unmatched`; `status_class` is `2xx`... */
  httpRequestDuration: Histogram<'method' | 'route' | 'status_class'>;
  /** `method`: password, google, saml; `outcome`: success, failure. */
  signins: Counter<'method' | 'outcome'>;
  /** `reason`: a SAML rejection reason (SAML_REJECTION_REASONS). */
  samlFailures: Counter<'reason'>;
  otpSends: Counter;
  /** `reason`: the stable error code (otp_invalid, otp_expired, otp_locked, otp_resend_limited, ...). */
  otpFailures: Counter<'reason'>;
  /** `policy`: the rate policy's name. */
  rateLimitBlocks: Counter<'policy'>;
  /** `operation`: `<store>.<method>`, e.g. `users.findByEmail`. */
  storeOperationDuration: Histogram<'operation'>;
  /** `operation`: the KV method, e.g. `consume`; `cache.<method>` for the generations of the store's read cache. */
  kvOperationDuration: Histogram<'operation'>;
  /** `operation`: `<collection>.<method>`, e.g. `users.findById`: round trips to the database itself. */
  databaseOperationDuration: Histogram<'operation'>;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC) as prom-client collects them. Default: true. */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route template and status class.',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    }),
    signins: new Counter({
      name: 'signins_total', help: 'Completed first-factor sign-ins, by method and outcome.', labelNames: ['method', 'outcome'], registers,
    }),
    samlFailures: new Counter({
      name: 'saml_failures_total', help: 'SAML responses refused, by rejection reason.', labelNames: ['reason'], registers,
    }),
    otpSends: new Counter({ name: 'otp_sends_total', help: 'One-time codes mailed.', registers }),
    otpFailures: new Counter({
      name: 'otp_failures_total', help: 'One-time code checks or sends refused, by reason code.', labelNames: ['reason'], registers,
    }),
    rateLimitBlocks: new Counter({
      name: 'rate_limit_blocks_total', help: 'Attempts refused by a rate policy, by policy.', labelNames: ['policy'], registers,
    }),
    storeOperationDuration: new Histogram({
      name: 'store_operation_duration_seconds',
      help: 'Durable store operation latency, by operation.',
      labelNames: ['operation'],
      buckets: OPERATION_BUCKETS,
      registers,
    }),
    kvOperationDuration: new Histogram({
      name: 'kv_operation_duration_seconds',
      help: 'Short-lived state (KV) operation latency, by operation.',
      labelNames: ['operation'],
      buckets: OPERATION_BUCKETS,
      registers,
    }),
    databaseOperationDuration: new Histogram({
      name: 'database_operation_duration_seconds',
      help: 'Round trips to the database (reads the read cache answered are not here), by collection and operation.',
      labelNames: ['operation'],
      buckets: OPERATION_BUCKETS,
      registers,
    }),
  };
}
