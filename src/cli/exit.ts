import { CommanderError } from 'commander';
import { AppError, ValidationError } from '../common/errors.ts';
import { ConfigError } from '../config/load.ts';

/*
 * Exit codes: 0 success, 1 refused input or a refused operation (the problems are printed, each with its path),
 * 2 a usage error (commander has printed it). Anything else is a fault and keeps its stack trace.
 */
export function exitCodeOf(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (!(error instanceof ConfigError || error instanceof AppError)) throw error;
  if (json) {
    const details = error instanceof ConfigError ? { code: 'invalid_configuration', problems: error.problems }
      : { code: error.code, ...(error instanceof ValidationError ? { problems: error.details } : {}) };
    process.stderr.write(`${JSON.stringify({ error: { message: error.message, ...details } })}\n`);
  } else {
    // Both kinds of message list every problem with its path.
    process.stderr.write(`bridgekeeper: ${error.message}\n`);
  }
  return 1;
}
