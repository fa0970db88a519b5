export {
  startSweep,
  resumeSweep,
  cancelSweep,
  retryFailed,
  deleteSweep,
  summarizeSweep,
  openStoreFor,
  requireSweep,
  type RunOptions,
  type StoreOptions,
  type SweepSummary,
} from './operations';
export { exportSweep, type ExportFormat } from './export';
export { SweepRunner, type RunSweepOptions } from './runner';
