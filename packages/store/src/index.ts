/**
 * @tunelab/store: the tracking store (sweeps, trials, metrics, checkpoints, samples, aliases) behind one
 * async interface, on SQLite (better-sqlite3, the default, one writer + read-only readers) or PostgreSQL
 * (many machines). `openStore` picks the backend from the URL and migrates the schema for writers.
 */
export { openStore, type OpenStoreOptions } from './open-store';
export { parseStoreUrl, DB_FILE, type StoreLocation } from './store-url';
export { TRIAL_STATUSES, TRIAL_TRANSITIONS } from './trial-queries';
export { SWEEP_STATUSES } from './sweep-queries';
export { SCHEMA_VERSION } from './migrations';
export { appendLogTail, LOG_TAIL_MAX_LINES, LOG_TAIL_MAX_CHARS } from './log-tail';
export type * from './types';
export { HUMAN_PLAYER_PREFIX } from './types';
export { uploadCheckpointDir, materializeCheckpoint, readCheckpointFiles } from './checkpoint-sync';
