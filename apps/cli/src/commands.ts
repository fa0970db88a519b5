import type { Command } from 'commander';

/**
 * Every command group registers itself here; each lives in its own file under commands/.
 */
export function registerCommands(program: Command): void {
  void program;
}
