export {
  startSweep,
  resumeSweep,
  cancelSweep,
  retryFailed,
  deleteSweep,
  summarizeSweep,
  trialCheckpointOf,
  openStoreFor,
  requireSweep,
  type RunOptions,
  type StoreOptions,
  type SweepSummary,
} from './operations';
export { exportSweep, type ExportFormat } from './export';
export { objectiveVectors } from './control';
export { SweepRunner, type RunSweepOptions } from './runner';
export { startDistributedSweep } from './operations';
export { runAgent, type AgentOptions, type AgentReport } from './agent';
export { coordinate, type CoordinateOptions, type CoordinateResult } from './coordinator';
export { TrialQueue, TRIAL_QUEUE, bossSchema, type TrialJob } from './trial-queue';
export { TrialExecutor, type ActiveTrial, type ExecutorHooks, type ExecutorOptions } from './trial-execution';
export { trialWorkerFile, type WorkerFile, type WorkerBundleOptions } from './worker-bundle';
export type { TrialTask, TrialOutcome } from './task';
