import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ValidationError } from '../common/errors.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { loadCatalog } from '../directory/catalog-file.ts';
import { hashPassword, verifyPassword } from '../directory/passwords.ts';
import { openStores } from '../store/open.ts';
import { importBootstrap, loadBootstrapFile } from './bootstrap/import.ts';

/*
 * Operations commands, run beside (or instead of) a server with the same configuration:
 *   node src/cli/main.ts [--config FILE] [--json] bootstrap import FILE
 *   node src/cli/main.ts [--config FILE] config check
 * Exit 0 on success, 1 on refused input (the problems are printed), 2 on a usage error.
 */
const program = new Command('bridgekeeper')
  .description('Bridgekeeper operations')
  .option('--config <file>', 'configuration file laid over config/default.yaml')
  .option('--json', 'print results as JSON')
  .exitOverride();

function configuration() {
  const { config: file } = program.opts<{ config?: string }>();
  return loadConfig(file === undefined ? {} : { file });
}

function print(result: unknown, text: string): void {
  process.stdout.write(program.opts<{ json?: boolean }>().json ? `${JSON.stringify(result)}\n` : `${text}\n`);
}

program.command('config')
  .description('configuration')
  .command('check')
  .description('validate the configuration and list unsafe settings')
  .action(() => {
    const { config, sources, warnings } = configuration();
    loadCatalog(config.catalog.file);
    print({ ok: true, sources, warnings }, [`configuration is valid (${sources.join(', ')})`, ...warnings.map((w) => `unsafe: ${w}`)].join('\n'));
  });

program.command('bootstrap')
  .description('declarative provisioning')
  .command('import')
  .argument('<file>', 'bootstrap YAML file (schema: config/bootstrap.schema.json)')
  .description('create or update what the file describes; idempotent, never deletes')
  .action(async (file: string) => {
    const { config } = configuration();
    const catalog = loadCatalog(config.catalog.file);
    const stores = await openStores(config);
    try {
      const summary = await importBootstrap(
        { stores, hashPassword, verifyPassword, catalog },
        await loadBootstrapFile(resolve(file)),
      );
      print(summary, `imported ${file}: ${JSON.stringify(summary)}`);
    } finally {
      await stores.close();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (error instanceof ConfigError || error instanceof ValidationError) {
    // Both messages list every problem with its path.
    process.stderr.write(`bridgekeeper: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
