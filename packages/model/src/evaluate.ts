import type { RunConfig } from '@tunelab/config';
import { InputError } from '@tunelab/config';
import { prepareData } from '@tunelab/dataset';
import type { LoadOptions, PreparedData } from '@tunelab/dataset';
import { buildModel, disposeModel } from './build';
import { fusedActive } from './cells';
import { loadCheckpoint, loadWeightsInto } from './checkpoint';
import { stepModels } from './step';
import { validate } from './train';
import { tuneBodyBits } from './yardstick';

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
 * is empty. Runs on the active backend (selectBackend first to choose).
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
    const sm = stepModels(model, fusedActive());
    const r = await validate(sm, ids, batchSize, seqLen);
    if (!r) return null;
    const tunes = split === 'train' ? [] : data.yardstick[split];
    const jigs = await tuneBodyBits(sm, tunes, batchSize, seqLen);
    return { ...r, symbols: ids.length, bpcJigs: jigs?.bpc ?? null, jigs: jigs?.tunes ?? 0 };
  } finally {
    disposeModel(model);
  }
}
