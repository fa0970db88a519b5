/**
 * @tunelab/dataset — corpus sources (files, folders, globs, the Nottingham download with sha256 + cache),
 * raw / normalized preprocessing, tune-level splits, vocabularies (char | ABC token), batchers
 * (stateful seed-style | shuffled windows) and the seeded RNG the rest of tunelab uses.
 */
export type * from './types';
export { createRng, mixSeed, type Rng } from './rng';
export { NOTTINGHAM, NOTTINGHAM_FILES, NOTTINGHAM_FILE_NAMES, NOTTINGHAM_URL } from './nottingham';
export {
  defaultCacheDir,
  readCorpusSource,
  resolveNottinghamFile,
  type CorpusSource,
  type CorpusFile,
  type SourceOptions,
} from './sources';
export { loadCorpus, joinTunes, TUNE_SEPARATOR, type LoadOptions } from './corpus';
export { normalizeTune } from './normalize';
export { splitCorpus, type SplitSpec } from './split';
export { bodyStart, yardstickTunes, YARDSTICK_FILE, type YardstickTune } from './yardstick';
export { abcSymbols } from './tokens';
export { Vocabulary, UNK, type OovPolicy } from './vocabulary';
export { MetricInputEncoder, metricInputIds } from './metric-inputs';
export { StatefulBatcher } from './stateful-batcher';
export { ShuffledBatcher } from './shuffled-batcher';
export { TransposedTunes } from './augment';
export {
  prepareData,
  trainIds,
  SEED_BATCH,
  type DataStats,
  type PartStats,
  type PreparedData,
  type SplitStats,
} from './prepare';
