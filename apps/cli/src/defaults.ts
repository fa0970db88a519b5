/**
 * Library constants that the commands need while registering (option defaults and help text), copied here so
 * that `tunelab --help` does not load the libraries that own them (see ./lazy). defaults.test.ts checks that
 * each copy still equals its source.
 */

/** @tunelab/dataset's NOTTINGHAM: the named corpus. */
export const NOTTINGHAM = 'nottingham';
/** @tunelab/dataset's SEED_BATCH: the batch shape `data stats` reports batches for. */
export const SEED_BATCH = { batchSize: 16, seqLen: 64 } as const;
/** @tunelab/dashboard's DEFAULT_HOST and DEFAULT_PORT. */
export const DASHBOARD_HOST = '127.0.0.1';
export const DASHBOARD_PORT = 4300;
/** @tunelab/dashboard's DEFAULT_ALIAS: the alias `promote` moves. */
export const DEFAULT_ALIAS = 'champion';
