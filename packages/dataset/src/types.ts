/**
 * The shapes @tunelab/dataset hands to the model. Everything here is plain data: it crosses worker-thread
 * boundaries by structured clone.
 */
import type { Preprocessing } from '@tunelab/config';

/** One tune of a corpus, as it will be trained on (after preprocessing). */
export interface CorpusTune {
  /** Source file (path or `nottingham/jigs.abc`), 1-based line of its X: field, index in that file. */
  file: string;
  line: number;
  index: number;
  /** The tune's text after preprocessing, ending with its newline; `joinTunes` puts two blank lines between tunes, as the seed's file did. */
  text: string;
  /**
   * Characters of the tune's body (everything after its first `K:` line, final newline included) as its file
   * writes it, whatever the preprocessing: the denominator of the yardstick bits per character. Set by
   * `loadCorpus`; a tune made by hand without it counts its own text's body.
   */
  bodyChars?: number;
}

/** A corpus read and preprocessed, before any split. */
export interface Corpus {
  /** `nottingham:jigs`, a path, or a glob: what the user asked for. */
  name: string;
  tunes: CorpusTune[];
  /** The training text as the seed used it: the files' contents (raw) or the rebuilt tunes (normalized). */
  text: string;
  preprocessing: Preprocessing;
  /** The files it was read from: display name, where it came from (path or URL), characters, tunes kept. */
  files?: { name: string; from: string; chars: number; tunes: number }[];
}

/** Tune-level split: every tune is in exactly one part. */
export interface CorpusSplit {
  train: CorpusTune[];
  val: CorpusTune[];
  test: CorpusTune[];
}

/** Symbols ↔ ids. Built over the whole corpus (all splits), as the seed's was. */
export interface VocabularyData {
  kind: 'char' | 'token';
  /** Sorted symbols; id = index. For `token`, index 0 is the out-of-vocabulary symbol. */
  symbols: string[];
}

/** One batch: `x` and `y` are row-major int32 `[batchSize, seqLen]`; y[b, t] = x[b, t + 1] in the stream. */
export interface Batch {
  x: Int32Array;
  y: Int32Array;
  batchSize: number;
  seqLen: number;
  /** Index of this batch within its epoch. */
  index: number;
}
