import type { Command } from 'commander';

/** `tunelab data …` */
export function registerDataCommands(program: Command): void {
  program.command('data').description('(not yet implemented)');
}
