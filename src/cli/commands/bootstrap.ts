import { resolve } from 'node:path';
import type { Command } from 'commander';
import { hashPassword, verifyPassword } from '../../directory/passwords.ts';
import { importBootstrap, loadBootstrapFile } from '../bootstrap/import.ts';
import type { CliContext } from '../context.ts';

export function registerBootstrapCommands(program: Command, cli: CliContext): void {
  program.command('bootstrap')
    .description('declarative provisioning')
    .command('import')
    .argument('<file>', 'bootstrap YAML file (schema: config/bootstrap.schema.json)')
    .description('create or update what the file describes; idempotent, never deletes')
    .action((file: string) => cli.withStores(async ({ stores, catalog }) => {
      const summary = await importBootstrap({ stores, hashPassword, verifyPassword, catalog }, await loadBootstrapFile(resolve(file)));
      cli.print(summary, `imported ${file}: ${JSON.stringify(summary)}`);
    }));
}
