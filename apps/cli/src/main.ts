import { Command, CommanderError } from 'commander';
import { UsageError } from './output';
import { registerCommands } from './commands';

/**
 * Runs the `tunelab` command line and resolves to the process exit code.
 * Errors the user caused print one line and exit 1 (or the code they carry); anything else is a bug
 * and prints its stack.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('tunelab')
    .description('Teach recurrent networks to write folk tunes in ABC notation, and sweep their hyperparameters.')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode;
    }
    if (err instanceof UsageError || isUserError(err)) {
      process.stderr.write(`tunelab: ${(err as Error).message}\n`);
      return err instanceof UsageError ? err.exitCode : 1;
    }
    process.stderr.write(`tunelab: unexpected error\n${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

/** Errors from packages that describe bad input carry `userError: true` (config, ABC, data errors). */
function isUserError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { userError?: unknown }).userError === true;
}
