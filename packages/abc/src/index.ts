/**
 * @tunelab/abc — ABC text → `Tune` (headers, body tokens, bars with exact durations) and validation
 * (structure, bar length against M:/L:, unknown symbols) with line:column.
 */
export type * from './types';
export { splitFile, splitTunes, joinFile } from './split';
