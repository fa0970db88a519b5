export { openStore, type OpenStoreOptions } from './open-store';
export { parseStoreUrl, DB_FILE, type StoreLocation } from './store-url';
export { TRIAL_STATUSES, TRIAL_TRANSITIONS } from './trial-queries';
export { SWEEP_STATUSES } from './sweep-queries';
export { SCHEMA_VERSION } from './migrations';
export { appendLogTail, LOG_TAIL_MAX_LINES, LOG_TAIL_MAX_CHARS } from './log-tail';
export type * from './types';
