import type { Command } from 'commander';
import { registerAbcCommands } from './commands/abc';
import { registerDataCommands } from './commands/data';
import { registerSweepCommands } from './commands/sweep';
import { registerEvalCommands } from './commands/eval';
import { registerDashboardCommands } from './commands/dashboard';
import { registerPromoteCommands } from './commands/promote';
import { registerModelCommands } from './commands/model';
import { registerTrainCommands } from './commands/train';
import { registerGenerateCommands } from './commands/generate';
import { registerListenCommands } from './commands/listen';

/**
 * Every command group registers itself here; each lives in its own file under commands/.
 */
export function registerCommands(program: Command): void {
  registerAbcCommands(program);
  registerDataCommands(program);
  registerSweepCommands(program);
  registerEvalCommands(program);
  registerDashboardCommands(program);
  registerPromoteCommands(program);
  registerModelCommands(program);
  registerTrainCommands(program);
  registerGenerateCommands(program);
  registerListenCommands(program);
}
