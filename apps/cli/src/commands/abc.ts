import type { Command } from 'commander';

/** `tunelab abc …` */
export function registerAbcCommands(program: Command): void {
  program.command('abc').description('(not yet implemented)');
}
