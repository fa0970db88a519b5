import type { RunConfig } from '@tunelab/config';
import { InputError } from '@tunelab/config';
import { prepareData } from '@tunelab/dataset';
import type { LoadOptions, PreparedData } from '@tunelab/dataset';
import { buildModel, disposeModel } from './build';
import { fusedActive } from './cells';
import { loadCheckpoint, loadWeightsInto } from './checkpoint';
import { stepModels } from './step';
import { validate } from './train';

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
 * validation. Null when that part is empty. Runs on the active backend (selectBackend first to choose).
 */
export async function evaluateLoss(
  dir: string,
  options: EvaluateOptions = {},
): Promise<{ loss: number; accuracy: number; bpc: number; symbols: number } | null> {
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
    const r = await validate(stepModels(model, fusedActive()), ids, batchSize, seqLen);
    return r ? { ...r, symbols: ids.length } : null;
  } finally {
    disposeModel(model);
  }
}
