export { createMetrics, type Metrics, type MetricsOptions } from './metrics.ts';
export { metricsMiddleware } from './http.ts';
export { serveMetrics, type MetricsServer } from './server.ts';
export { instrumentBackend, instrumentKv, instrumentStores } from './storage.ts';
export { instrumentOtp, instrumentRateLimits, instrumentSamlConnector } from './protocols.ts';
