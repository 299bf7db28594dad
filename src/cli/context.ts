import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { KvStore } from '../common/kv.ts';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { Catalog } from '../directory/catalog.ts';
import { loadCatalog } from '../directory/catalog-file.ts';
import { createMailer, type MailService } from '../mail/index.ts';
import { openKv, openStores } from '../store/open.ts';
import type { Stores } from '../store/stores.ts';

/*
 * What every command needs from the program: the configuration (--config over default.yaml and the
 * environment, as the server reads it), output in text or --json, and the backends of that configuration,
 * opened for one command and closed when it ends, whatever the outcome.
 */

export interface Backends {
  config: Config;
  catalog: Catalog;
  stores: Stores;
}

export interface CliContext {
  configuration(): LoadedConfig;
  json(): boolean;
  /** One result: its JSON with --json, else the text. */
  print(result: unknown, text: string): void;
  withStores<T>(run: (backends: Backends) => Promise<T>): Promise<T>;
  /** withStores plus the KV store and the mailer, for commands that go through the directory services and send mail. */
  withServices<T>(run: (backends: Backends & { kv: KvStore; mail: MailService }) => Promise<T>): Promise<T>;
}

export function createCliContext(program: Command): CliContext {
  const configuration = () => {
    const { config: file } = program.opts<{ config?: string }>();
    return loadConfig(file === undefined ? {} : { file });
  };
  const json = () => program.opts<{ json?: boolean }>().json === true;

  /** The stores with the KV store they announce their writes in (the server's read caches watch it). */
  async function withBackends<T>(run: (backends: Backends & { kv: KvStore }) => Promise<T>): Promise<T> {
    const { config } = configuration();
    const catalog = loadCatalog(config.catalog.file);
    const kv = openKv(config);
    try {
      const stores = await openStores(config, kv);
      try {
        return await run({ config, catalog, stores, kv });
      } finally {
        await stores.close();
      }
    } finally {
      await kv.close();
    }
  }

  return {
    configuration,
    json,
    print(result, text) {
      process.stdout.write(json() ? `${JSON.stringify(result)}\n` : `${text}\n`);
    },
    withStores: (run) => withBackends(({ kv: _kv, ...backends }) => run(backends)),
    withServices: (run) => withBackends(async (backends) => {
      const mail = createMailer(backends.config.mail, resolve(backends.config.dataDir));
      try {
        return await run({ ...backends, mail });
      } finally {
        await mail.close();
      }
    }),
  };
}
