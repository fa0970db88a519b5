/**
 * Everything a run needs from its data block: corpus → tune-level split → vocabulary (over the whole corpus)
 * → one encoded training text per split, plus the figures `tunelab data stats` prints.
 */
import { hasErrors, parseTune } from '@tunelab/abc';
import type { DataConfig, Preprocessing } from '@tunelab/config';
import type { Corpus, CorpusSplit, CorpusTune } from './types';
import { joinTunes, loadCorpus, type LoadOptions } from './corpus';
import { splitCorpus } from './split';
import { Vocabulary } from './vocabulary';
import { yardstickTunes, type YardstickTune } from './yardstick';
import { TransposedTunes } from './augment';
import { StatefulBatcher } from './stateful-batcher';
import { ShuffledBatcher } from './shuffled-batcher';

/** The batch shape `stats` reports batches for: the seed's 16 × 64. */
export const SEED_BATCH = { batchSize: 16, seqLen: 64 } as const;

export interface PartStats {
  tunes: number;
  /** Characters of the part's training text. */
  chars: number;
  /** Symbols of the part's text in the vocabulary's units (= chars for `char`). */
  symbols: number;
}

export interface DataStats {
  corpus: string;
  preprocessing: Preprocessing;
  vocabulary: 'char' | 'token';
  files: { name: string; from: string; chars: number; tunes: number }[];
  tunes: number;
  /** Characters of the whole corpus text (raw jigs: 129,665). */
  chars: number;
  /** Symbols of the whole corpus text in the vocabulary's units. */
  symbols: number;
  vocabSize: number;
  split: SplitStats;
  /** Training batches per epoch at `batchSize × seqLen` (null when the training text is too short). */
  batchesPerEpoch: { batchSize: number; seqLen: number; stateful: number | null; shuffled: number | null };
}

export interface SplitStats {
  val: number;
  test: number;
  seed: number;
  /** Training tunes `data.train_tunes` left out (0 with `all`). */
  leftOut: number;
  parts: { train: PartStats; val: PartStats; test: PartStats };
}

export interface PreparedData {
  corpus: Corpus;
  split: CorpusSplit;
  vocab: Vocabulary;
  /** The training text of each part: the corpus text when nothing is held out, else `joinTunes(part)`. */
  texts: { train: string; val: string; test: string };
  /** Each part's text encoded, shape `[symbols]`. */
  ids: { train: Int32Array; val: Int32Array; test: Int32Array };
  /** The held-out jigs of the val and test parts, ready to score (`val_bpc_jigs`, `test_bpc_jigs`); empty without jigs. */
  yardstick: { val: YardstickTune[]; test: YardstickTune[] };
  /**
   * With `data.augment.transpose`, the training tunes in every key of the range: `trainIds(epoch, seed)` then
   * gives each epoch's text. Null without augmentation (every epoch trains on `ids.train`).
   */
  transposed: TransposedTunes | null;
  stats: DataStats;
}

/**
 * The training ids of one epoch (1-based): `ids.train`, or with transposition each tune in the key drawn for
 * this epoch from `seed` (the run seed).
 */
export function trainIds(data: PreparedData, epoch: number, seed: number): Int32Array {
  return data.transposed ? data.vocab.encode(data.transposed.text(epoch, seed)) : data.ids.train;
}

/**
 * Loads, splits, builds the vocabulary over the whole corpus and encodes each part. With `val: 0, test: 0`
 * the training text is the corpus text itself (raw jigs: the file, so the stateful batcher gives the seed's
 * 126 batches of 16 × 64). `vocabulary` replaces the one built from the data (a checkpoint's own, to score
 * its held-out tunes without rebuilding what it trained on).
 */
export async function prepareData(data: DataConfig, opts: LoadOptions = {}, vocabulary?: Vocabulary): Promise<PreparedData> {
  const corpus = await loadCorpus(data, opts);
  const full = splitCorpus(corpus, data.split);
  const split = trainOn(full, data.train_tunes ?? 'all');
  // Nothing held out or left out: the training text is the corpus text itself (for raw jigs, the seed's file).
  const whole = split.val.length === 0 && split.test.length === 0 && split.train.length === corpus.tunes.length;
  const transposed = TransposedTunes.of(split.train, data.augment);
  // With transposition the vocabulary must cover every key a training tune is moved to.
  const vocab = vocabulary ?? Vocabulary.build(transposed ? corpus.text + transposed.allTexts() : corpus, data.vocabulary);
  const texts = {
    train: whole ? corpus.text : joinTunes(split.train),
    val: joinTunes(split.val),
    test: joinTunes(split.test),
  };
  const ids = { train: vocab.encode(texts.train), val: vocab.encode(texts.val), test: vocab.encode(texts.test) };
  const yardstick = { val: yardstickTunes(split.val, vocab), test: yardstickTunes(split.test, vocab) };
  const stats = dataStats(data, corpus, split, vocab, texts, ids, full.train.length - split.train.length);
  return { corpus, split, vocab, texts, ids, yardstick, transposed, stats };
}

/**
 * The split with only the training tunes `trainTunes` names: `valid` leaves out those `tunelab abc check`
 * finds an error in. Held-out tunes stay as they are.
 */
function trainOn(split: CorpusSplit, trainTunes: 'all' | 'valid'): CorpusSplit {
  if (trainTunes === 'all') return split;
  return { ...split, train: split.train.filter((t) => !hasErrors(parseTune(t.text))) };
}

function dataStats(
  data: DataConfig,
  corpus: Corpus,
  split: CorpusSplit,
  vocab: Vocabulary,
  texts: PreparedData['texts'],
  ids: PreparedData['ids'],
  leftOut: number,
): DataStats {
  const part = (tunes: CorpusTune[], text: string, n: Int32Array): PartStats => ({
    tunes: tunes.length,
    chars: text.length,
    symbols: n.length,
  });
  const { batchSize, seqLen } = SEED_BATCH;
  const count = (make: () => { batchesPerEpoch: number }): number | null => {
    try {
      return make().batchesPerEpoch;
    } catch {
      return null;
    }
  };
  return {
    corpus: corpus.name,
    preprocessing: corpus.preprocessing,
    vocabulary: vocab.kind,
    files: corpus.files ?? [],
    tunes: corpus.tunes.length,
    chars: corpus.text.length,
    symbols: vocab.symbolsOf(corpus.text).length,
    vocabSize: vocab.size,
    split: {
      val: data.split.val,
      test: data.split.test,
      seed: data.split.seed,
      leftOut,
      parts: {
        train: part(split.train, texts.train, ids.train),
        val: part(split.val, texts.val, ids.val),
        test: part(split.test, texts.test, ids.test),
      },
    },
    batchesPerEpoch: {
      batchSize,
      seqLen,
      stateful: count(() => new StatefulBatcher(ids.train, batchSize, seqLen)),
      shuffled: count(() => new ShuffledBatcher(ids.train, batchSize, seqLen, data.split.seed)),
    },
  };
}
