import type { Command } from 'commander';
import { loadCatalog } from '../../directory/catalog-file.ts';
import type { CliContext } from '../context.ts';

export function registerConfigCommands(program: Command, cli: CliContext): void {
  program.command('config')
    .description('configuration')
    .command('check')
    .description('validate the configuration and the catalog, and list unsafe settings')
    .action(() => {
      const { config, sources, warnings } = cli.configuration();
      loadCatalog(config.catalog.file);
      cli.print({ ok: true, sources, warnings }, [`configuration is valid (${sources.join(', ')})`, ...warnings.map((w) => `unsafe: ${w}`)].join('\n'));
    });
}
