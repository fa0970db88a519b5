import type { RunConfig } from '@tunelab/config';
import { InputError } from '@tunelab/config';
import { prepareData, Vocabulary } from '@tunelab/dataset';
import type { LoadOptions, PreparedData } from '@tunelab/dataset';
import { buildModel, disposeModel } from './build';
import { loadCheckpoint, loadWeightsInto } from './checkpoint';
import { stepModels } from './step';
import { validate } from './train';
import { tuneBodyBits } from './yardstick';
import { inputReader } from './metric-embedding';

export interface EvaluateOptions {
  /** The run config whose data to read; default the checkpoint's own. */
  config?: RunConfig;
  /** Which part of the split. Default `val`. */
  split?: 'train' | 'val' | 'test';
  /** Data already prepared (same process); else prepared from the config's data block. */
  prepared?: PreparedData;
  dataOptions?: LoadOptions;
}

/**
 * Loss (nats), accuracy and bits per character of a checkpoint on one part of its data, as one stateful pass
 * with the training batch size (state reset first, no dropout) — the same measure as the training loop's
 * validation — and `bpcJigs`, the yardstick (`val_bpc_jigs` / `test_bpc_jigs`: that part's held-out jigs,
 * each from a zero state, bits per body character; null when the part holds no jigs). Null when that part
 * is empty. Runs on the process's engine (selectEngine first to choose).
 */
export async function evaluateLoss(
  dir: string,
  options: EvaluateOptions = {},
): Promise<{ loss: number; accuracy: number; bpc: number; symbols: number; bpcJigs: number | null; jigs: number } | null> {
  const ckpt = await loadCheckpoint(dir);
  const config = options.config ?? ckpt.meta.config;
  const split = options.split ?? 'val';
  const data = options.prepared ?? (await prepareData(config.data, options.dataOptions));
  if (JSON.stringify(data.vocab.symbols) !== JSON.stringify(ckpt.meta.vocabulary.symbols)) {
    throw new InputError("expected the data's vocabulary to be the checkpoint's, but it differs", dir);
  }
  const ids = data.ids[split];
  if (ids.length === 0) return null;
  const { batch_size: batchSize, seq_len: seqLen } = config.train;
  const model = buildModel(ckpt.meta.spec, ckpt.meta.vocabulary.symbols.length, { batchSize, seqLen: null, seed: ckpt.meta.seed });
  try {
    loadWeightsInto(model, ckpt);
    const sm = stepModels(model);
    const readInputs = inputReader(ckpt.meta.spec, data.vocab);
    const r = await validate(sm, ids, batchSize, seqLen, null, readInputs);
    if (!r) return null;
    const tunes = split === 'train' ? [] : data.yardstick[split];
    const jigs = await tuneBodyBits(sm, tunes, batchSize, seqLen, null, readInputs);
    return { ...r, symbols: ids.length, bpcJigs: jigs?.bpc ?? null, jigs: jigs?.tunes ?? 0 };
  } finally {
    disposeModel(model);
  }
}

/** The yardstick of a checkpoint: `val_bpc_jigs` and `test_bpc_jigs` (null where that part holds no jigs). */
export interface YardstickScores {
  val_bpc_jigs: number | null;
  test_bpc_jigs: number | null;
  /** How many held-out jigs each figure is over. */
  tunes: { val: number; test: number };
}

/**
 * Scores a checkpoint by the yardstick: its run's held-out jigs (val and test), each from a zero state, bits
 * per body character (see @tunelab/dataset's yardstick.ts). The data is read from the checkpoint's config
 * with its own vocabulary and without augmentation (held-out tunes are never augmented), so an all-files,
 * transposed run costs a corpus read, not its transposition. Runs on the process's engine.
 */
export async function evaluateYardstick(dir: string, options: { dataOptions?: LoadOptions; prepared?: PreparedData } = {}): Promise<YardstickScores> {
  const ckpt = await loadCheckpoint(dir);
  const config = ckpt.meta.config;
  const data =
    options.prepared ?? (await prepareData({ ...config.data, augment: undefined }, options.dataOptions, Vocabulary.fromData(ckpt.meta.vocabulary)));
  const { batch_size: batchSize, seq_len: seqLen } = config.train;
  const model = buildModel(ckpt.meta.spec, ckpt.meta.vocabulary.symbols.length, { batchSize, seqLen: null, seed: ckpt.meta.seed });
  try {
    loadWeightsInto(model, ckpt);
    const sm = stepModels(model);
    const readInputs = inputReader(ckpt.meta.spec, data.vocab);
    const val = await tuneBodyBits(sm, data.yardstick.val, batchSize, seqLen, null, readInputs);
    const test = await tuneBodyBits(sm, data.yardstick.test, batchSize, seqLen, null, readInputs);
    return { val_bpc_jigs: val?.bpc ?? null, test_bpc_jigs: test?.bpc ?? null, tunes: { val: val?.tunes ?? 0, test: test?.tunes ?? 0 } };
  } finally {
    disposeModel(model);
  }
}
