import Koa from 'koa';
import type { Logger } from 'pino';
import type { KvStore } from './common/kv.ts';
import type { Config } from './config/schema.ts';
import { errorHandler } from './http/errors.ts';
import { createHealthRouter } from './http/health.ts';
import { requestId } from './http/request-id.ts';
import { securityHeaders } from './http/security-headers.ts';
import type { Stores } from './store/stores.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  stores: Stores;
  kv: KvStore;
}

/** The composition root: wiring only. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: deps.config.server.trustProxy });
  app.silent = true; // errors are logged by errorHandler, with the request id

  const health = createHealthRouter({
    checks: { store: () => deps.stores.ping(), kv: () => deps.kv.ping() },
  });

  app.use(requestId());
  app.use(securityHeaders());
  app.use(errorHandler(deps.logger));
  app.use(health.routes());
  return app;
}
