import { execFileSync } from 'node:child_process';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError, modelMemoryProblem } from '@tunelab/config';
import type { RunConfig } from '@tunelab/config';
import type { VocabularyData } from '@tunelab/dataset';
import { tf, tfl } from './tf';
import type { EngineInfo } from './engine';
import type { ModelSpec } from './spec';
import { validateSpec } from './spec';
import { fileSaveHandler, readModelFiles, WEIGHTS_BIN } from './file-io';
import { OPTIMIZER_BIN, OPTIMIZER_JSON, saveOptimizerState } from './optimizer';

export const CHECKPOINT_JSON = 'tunelab.json';
export const CHECKPOINT_FORMAT = 'tunelab-checkpoint/1';

/** Why a checkpoint was written; one epoch that is several at once is written once with every kind. */
export type CheckpointKind = 'periodic' | 'best' | 'last';

/** Contents of `tunelab.json`: everything needed to rebuild, sample from, or resume the run. */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  runId: string;
  epoch: number;
  kinds: CheckpointKind[];
  config: RunConfig;
  spec: ModelSpec;
  vocabulary: VocabularyData;
  preprocessing: RunConfig['data']['preprocessing'];
  /** Metrics of this epoch (loss, accuracy, val_loss, val_accuracy, val_bpc, chars_per_sec, …). */
  metrics: Record<string, number>;
  seed: number;
  params: number;
  /** `git rev-parse HEAD` of the working directory when available, else null. */
  gitCommit: string | null;
  engine: EngineInfo;
  /** ISO 8601. */
  created: string;
  /**
   * What resuming needs beyond weights and optimizer state: the best so far by the run's objective
   * (metric and goal). Checkpoints written before objectives had only `bestLoss` (val_loss or loss, minimize).
   */
  state: {
    step: number;
    bestValue?: number | null;
    /** Older checkpoints: the best value when the metric was val_loss or loss. */
    bestLoss?: number | null;
    bestEpoch: number | null;
    bestMetric: string;
    /** Absent in older checkpoints: minimize. */
    bestGoal?: 'minimize' | 'maximize';
  };
}

/** A checkpoint read from disk: its metadata and its weights (not yet tensors). */
export interface Checkpoint {
  dir: string;
  meta: CheckpointMeta;
  /** Weight specs in model.weights order, and the raw bytes of weights.bin. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** `<home>/checkpoints/<runId>/epoch-<n>` */
export function checkpointDir(home: string, runId: string, epoch: number): string {
  return join(home, 'checkpoints', runId, `epoch-${epoch}`);
}

let commitCache: string | null | undefined;
/** The commit of the code that trained, for provenance; null outside a git checkout. */
export function gitCommit(): string | null {
  if (commitCache === undefined) {
    try {
      commitCache = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
    } catch {
      commitCache = null;
    }
  }
  return commitCache;
}

/**
 * Writes a checkpoint: the tfjs model files (model.json + weights.bin), the optimizer state (optimizer.json +
 * optimizer.bin) and tunelab.json. Written into a temporary sibling folder and renamed into place, so a
 * reader (or a crash) never sees half a checkpoint; an existing folder for the same epoch is replaced.
 * The files and the folder are fsynced before the rename and the parent after it: when this resolves, the
 * checkpoint survives a power cut (its store row, written after, never points at empty or missing files).
 */
export async function saveCheckpoint(
  dir: string,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer | null,
  meta: CheckpointMeta,
): Promise<string> {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    await model.save(fileSaveHandler(tmp));
    if (optimizer) await saveOptimizerState(optimizer, trainableNames(model), tmp);
    await writeFile(join(tmp, CHECKPOINT_JSON), `${JSON.stringify(meta, null, 2)}\n`);
    await syncFolder(tmp);
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    await syncPath(dirname(dir), true);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** fsync of one file, or of a folder (its entries); a platform that cannot sync folders is let be. */
async function syncPath(path: string, folder = false): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!(folder && (code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL' || code === 'EACCES'))) throw err;
  } finally {
    await handle?.close();
  }
}

/** fsyncs every file in a (flat) folder, then the folder. */
async function syncFolder(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) if (e.isFile()) await syncPath(join(dir, e.name));
  await syncPath(dir, true);
}

/** A run's checkpoint folder and the names in it; none when the run has no folder yet (any other error is thrown). */
async function runFolder(home: string, runId: string): Promise<{ root: string; names: string[] }> {
  const root = join(home, 'checkpoints', runId);
  try {
    return { root, names: await readdir(root) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { root, names: [] };
    throw err;
  }
}

/** Folders `saveCheckpoint` (or a download of a checkpoint) writes before renaming them into place. */
const TEMP_FOLDER = /\.tmp-/;

/**
 * Removes the temporary folders a crash left in a run's checkpoint folder (`epoch-<n>.tmp-<pid>-<time>`):
 * call it when the run (re)starts, while nothing else writes that run's checkpoints. Returns their names.
 */
export async function cleanCheckpointLeftovers(home: string, runId: string): Promise<string[]> {
  const { root, names } = await runFolder(home, runId);
  const removed: string[] = [];
  for (const name of names) {
    if (!TEMP_FOLDER.test(name)) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Bytes per element of a weight as stored (quantized weights: their quantized type). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** What a weights file must hold for its manifest; null when it cannot be known (string tensors). */
function expectedBytes(specs: readonly tf.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const s of specs) {
    const per = DTYPE_BYTES[s.quantization?.dtype ?? s.dtype];
    if (per === undefined) return null;
    total += s.shape.reduce((n, d) => n * d, 1) * per;
  }
  return total;
}

/**
 * Checks that a checkpoint folder can be resumed from without building a model: tunelab.json and every other
 * JSON file parse, the spec is valid, and weights.bin and optimizer.bin hold exactly the bytes their manifests
 * describe (a truncated or padded file is refused). Throws an InputError naming the file; returns the metadata.
 */
export async function verifyCheckpoint(dir: string): Promise<CheckpointMeta> {
  const ckpt = await loadCheckpoint(dir).catch((err: Error) => {
    throw err instanceof InputError ? err : new InputError(`cannot read the model files (${err.message})`, dir);
  });
  const checkSize = (file: string, specs: readonly tf.io.WeightsManifestEntry[], actual: number) => {
    const expected = expectedBytes(specs);
    if (expected !== null && expected !== actual) {
      throw new InputError(`expected ${expected} bytes for ${specs.length} tensors, but the file has ${actual}`, join(dir, file));
    }
  };
  checkSize(WEIGHTS_BIN, ckpt.weightSpecs, ckpt.weightData.byteLength);
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.json') || name === CHECKPOINT_JSON) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(join(dir, name), 'utf8'));
    } catch (err) {
      throw new InputError(`cannot parse it (${(err as Error).message})`, join(dir, name));
    }
    if (name === OPTIMIZER_JSON) {
      const specs = (parsed as { specs?: unknown }).specs;
      if (!Array.isArray(specs)) throw new InputError('expected the optimizer state to list its tensors (specs)', join(dir, name));
      const bin = await stat(join(dir, OPTIMIZER_BIN)).catch(() => null);
      if (!bin) throw new InputError(`expected ${OPTIMIZER_BIN} next to ${OPTIMIZER_JSON}`, dir);
      checkSize(OPTIMIZER_BIN, specs as tf.io.WeightsManifestEntry[], bin.size);
    }
  }
  return ckpt.meta;
}

/** Names of the trainable variables in the order gradients are applied. */
export function trainableNames(model: tfl.LayersModel): string[] {
  return model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
}

/** Reads a checkpoint folder (no tensors are created). Throws InputError naming the folder when it is not one. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const file = join(dir, CHECKPOINT_JSON);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(await readFile(file, 'utf8')) as CheckpointMeta;
  } catch (err) {
    throw new InputError(`expected a tunelab checkpoint folder with ${CHECKPOINT_JSON}, but could not read it (${(err as Error).message})`, dir);
  }
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new InputError(`expected format ${CHECKPOINT_FORMAT}, but got ${JSON.stringify(meta.format)}`, file);
  }
  validateSpec(meta.spec, `${file}: spec`);
  checkSpecFits(meta, file);
  const { specs, data } = await readModelFiles(dir);
  return { dir, meta, weightSpecs: specs, weightData: data };
}

/**
 * Refuses a checkpoint whose spec (layers, embedding, vocabulary) could not be built on this machine, before
 * any weight is read or tensor allocated (a hostile or corrupt checkpoint.json may ask for layers of a
 * billion units). Weights, gradients and Adam moments for one batch of one step, against the limit that
 * config validation uses (half of os.totalmem(), see @tunelab/config model-memory.ts).
 */
function checkSpecFits(meta: CheckpointMeta, file: string): void {
  const symbols = meta.vocabulary?.symbols;
  if (!Array.isArray(symbols)) throw new InputError('expected vocabulary.symbols to be a list', file);
  const problem = modelMemoryProblem({
    cell: meta.spec.cell === 'gru' ? 'gru' : 'lstm',
    embedding_dim: meta.spec.embeddingDim,
    layers: meta.spec.layers,
    batch_size: 1,
    seq_len: 1,
    vocabulary: meta.vocabulary.kind,
    vocabSize: symbols.length,
  });
  if (problem) throw new InputError(`spec.layers: ${problem}; refusing to load it`, file);
}

/**
 * Copies a checkpoint's weights into a model built from the same spec (any batch size or cell flavour:
 * weights are matched by position and checked by shape).
 */
export function loadWeightsInto(model: tfl.LayersModel, ckpt: Checkpoint): void {
  const weights = model.weights;
  if (weights.length !== ckpt.weightSpecs.length) {
    throw new InputError(`expected ${weights.length} weight tensors, but the checkpoint has ${ckpt.weightSpecs.length}`, ckpt.dir);
  }
  tf.tidy(() => {
    const decoded = tf.io.decodeWeights(ckpt.weightData, ckpt.weightSpecs);
    const values = ckpt.weightSpecs.map((s, i) => {
      const t = decoded[s.name];
      if (!tf.util.arraysEqual(t.shape, weights[i].shape as number[])) {
        throw new InputError(`weight ${i} (${s.name}): expected shape [${weights[i].shape.join(', ')}], but got [${t.shape.join(', ')}]`, ckpt.dir);
      }
      return t;
    });
    model.setWeights(values);
  });
}

/** One checkpoint of a run as listed by {@link listCheckpoints}. */
export interface CheckpointEntry {
  epoch: number;
  dir: string;
  kinds: CheckpointKind[];
  metrics: Record<string, number>;
  created: string;
}

/**
 * The checkpoints of a run, oldest epoch first (folders without a readable tunelab.json, such as a
 * temporary folder left by a crash, are skipped). Empty when the run has none.
 */
export async function listCheckpoints(home: string, runId: string): Promise<CheckpointEntry[]> {
  const { root, names } = await runFolder(home, runId);
  const out: CheckpointEntry[] = [];
  for (const name of names) {
    if (!/^epoch-\d+$/.test(name)) continue;
    try {
      const meta = JSON.parse(await readFile(join(root, name, CHECKPOINT_JSON), 'utf8')) as CheckpointMeta;
      out.push({ epoch: meta.epoch, dir: join(root, name), kinds: meta.kinds, metrics: meta.metrics, created: meta.created });
    } catch {
      // not a complete checkpoint
    }
  }
  return out.sort((a, b) => a.epoch - b.epoch);
}

/** Deletes a checkpoint folder; refuses a folder that is not a tunelab checkpoint. Retention is the caller's. */
export async function deleteCheckpoint(dir: string): Promise<void> {
  if (!existsSync(join(dir, CHECKPOINT_JSON))) {
    throw new InputError(`expected a tunelab checkpoint folder (with ${CHECKPOINT_JSON}); refusing to delete it`, dir);
  }
  await rm(dir, { recursive: true, force: true });
}
