import { Command } from 'commander';
import { registerAdminCommands } from './commands/admin.ts';
import { registerBootstrapCommands } from './commands/bootstrap.ts';
import { registerClientCommands } from './commands/client.ts';
import { registerConfigCommands } from './commands/config.ts';
import { registerKeysCommands } from './commands/keys.ts';
import { registerOrgCommands } from './commands/org.ts';
import { registerUsersCommands } from './commands/users.ts';
import { createCliContext } from './context.ts';
import { exitCodeOf } from './exit.ts';

/*
 * Operations commands, run beside (or instead of) a server with the same configuration:
 *   node src/cli/main.ts [--config FILE] [--json] <group> <command> [options]
 * Exit 0 on success, 1 on refused input (the problems are printed with their paths), 2 on a usage error.
 */
const program = new Command('bridgekeeper')
  .description('Bridgekeeper operations')
  .option('--config <file>', 'configuration file laid over config/default.yaml')
  .option('--json', 'print results (and refusals, on standard error) as JSON')
  .exitOverride();
const cli = createCliContext(program);

const COMMAND_GROUPS = [
  registerConfigCommands,   // config check
  registerBootstrapCommands, // bootstrap import FILE
  registerOrgCommands,      // org create
  registerAdminCommands,    // admin invite
  registerClientCommands,   // client register
  registerKeysCommands,     // keys list | rotate | promote | prune
  registerUsersCommands,    // users export
];
for (const register of COMMAND_GROUPS) register(program, cli);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeOf(error, cli.json());
}
