import { parseArgs } from 'node:util';
import { ValidationError } from './common/errors.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { createLogger } from './http/logger.ts';
import { startServer } from './server.ts';

/* Process entry: config -> app -> listen -> graceful shutdown. */

const { values: args } = parseArgs({ options: { config: { type: 'string' } }, allowPositionals: false });

let loaded;
try {
  loaded = loadConfig(args.config === undefined ? {} : { file: args.config });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`bridgekeeper: ${error.message}\n`);
  process.exit(1);
}

const { config, sources, warnings } = loaded;
const logger = createLogger(config.log.level);
logger.info({
  sources,
  environment: config.environment,
  publicUrl: config.server.publicUrl,
  store: config.mongodb.url ? 'mongodb' : `embedded (${config.dataDir})`,
  kv: config.redis.url ? 'redis' : 'memory',
}, 'configuration loaded');
if (warnings.length > 0) {
  logger.warn({ unsafe: warnings }, `UNSAFE FOR PRODUCTION: ${warnings.join('; ')}`);
}

let server;
try {
  server = await startServer(config, logger);
} catch (error) {
  // A bad catalog or bootstrap file: its message lists every problem by path; a stack trace would add nothing.
  if (!(error instanceof ValidationError)) throw error;
  process.stderr.write(`bridgekeeper: ${error.message}\n`);
  process.exit(1);
}
logger.info({ url: server.url }, `listening on ${server.url}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
