import { totalmem } from 'node:os';
import type { IssueList, PathSegment } from './issues';
import type { ParameterSpec } from './sweep-types';
import type { RunConfig } from './types';

/**
 * What a model needs in memory, estimated from its spec before anything is allocated (a worker's heap
 * limit does not bound tensor memory, so an oversized `model.layers` could take the whole sweeper down):
 * - parameters × 4 float32 copies: the weights, their gradients and Adam's two moments;
 * - activations kept for backpropagation through time: batch × seq_len × (layer units × (gates + 2 for the
 *   cell and hidden state) + embedding), and the logits with their gradient, batch × seq_len × vocabulary × 2.
 * Vocabulary: 128 for characters, 4096 for tokens (upper bounds of what the corpora give).
 */
export interface ModelShape {
  cell: string;
  embedding_dim: number;
  layers: readonly number[];
  batch_size: number;
  seq_len: number;
  vocabulary: string;
  /** The exact vocabulary size when known (a checkpoint's); else the bound for `vocabulary`. */
  vocabSize?: number;
}

const BYTES = 4;
const gatesOf = (cell: string) => (cell === 'gru' ? 3 : 4);
const vocabOf = (vocabulary: string) => (vocabulary === 'token' ? 4096 : 128);

export function estimateModelBytes(m: ModelShape): number {
  const gates = gatesOf(m.cell);
  const vocab = m.vocabSize ?? vocabOf(m.vocabulary);
  let params = m.embedding_dim > 0 ? vocab * m.embedding_dim : 0;
  let input = m.embedding_dim > 0 ? m.embedding_dim : vocab;
  let perStep = m.embedding_dim;
  for (const units of m.layers) {
    params += gates * (input + units + 1) * units;
    perStep += units * (gates + 2);
    input = units;
  }
  params += input * vocab + vocab;
  perStep += vocab * 2;
  return params * BYTES * 4 + m.batch_size * m.seq_len * perStep * BYTES;
}

/**
 * The most one model may need: half of this machine's memory (os.totalmem()), so a trial that fits leaves
 * room for the sweeper, the data and a second trial. TUNELAB_MODEL_MEMORY_GIB sets another limit.
 */
export function modelMemoryLimitBytes(env: Record<string, string | undefined> = process.env): number {
  const gib = Number(env.TUNELAB_MODEL_MEMORY_GIB);
  return Number.isFinite(gib) && gib > 0 ? gib * 2 ** 30 : totalmem() / 2;
}

const gibText = (bytes: number) => (bytes / 2 ** 30 < 10 ? (bytes / 2 ** 30).toFixed(1) : (bytes / 2 ** 30).toFixed(0));

/** Why a model of this shape cannot fit (a sentence naming its size and the limit); null when it can. */
export function modelMemoryProblem(m: ModelShape, limit = modelMemoryLimitBytes()): string | null {
  const need = estimateModelBytes(m);
  if (need <= limit) return null;
  return (
    `a model of ${m.layers.join('×')} ${m.cell} units (embedding ${m.embedding_dim}, batch ${m.batch_size} × seq_len ${m.seq_len}) ` +
    `needs ~${gibText(need)} GiB, more than the ${gibText(limit)} GiB this machine allows (half its memory; TUNELAB_MODEL_MEMORY_GIB sets another limit)`
  );
}

export function shapeOf(config: RunConfig): ModelShape {
  return {
    cell: config.model.cell,
    embedding_dim: config.model.embedding_dim,
    layers: config.model.layers,
    batch_size: config.train.batch_size,
    seq_len: config.train.seq_len,
    vocabulary: config.data.vocabulary,
  };
}

/** A run config: the model must fit (reported at model.layers). */
export function checkModelMemory(config: RunConfig, path: PathSegment[], issues: IssueList): void {
  const problem = modelMemoryProblem(shapeOf(config));
  if (problem) issues.add([...path, 'model', 'layers'], problem);
}

const SHAPE_KEYS: Record<string, keyof ModelShape> = {
  'model.cell': 'cell',
  'model.embedding_dim': 'embedding_dim',
  'model.layers': 'layers',
  'train.batch_size': 'batch_size',
  'train.seq_len': 'seq_len',
  'data.vocabulary': 'vocabulary',
};

/** The values a parameter can take that matter here: its list, or the ends of its range. */
function candidates(spec: ParameterSpec): unknown[] {
  if (spec.kind === 'constant') return [spec.value];
  if (spec.kind === 'categorical') return spec.values;
  return [spec.min, spec.max];
}

/**
 * A sweep: the model must fit at the parameter space's largest point. The estimate grows with each value
 * on its own, so the largest point takes, key by key, the value that needs the most. Reported at the
 * sweep parameter that makes it largest (parameters.model.layers …), else at the base's model.layers.
 */
export function checkSweepModelMemory(base: RunConfig, parameters: Record<string, ParameterSpec>, issues: IssueList): void {
  const shape = shapeOf(base);
  const swept: string[] = [];
  for (const [name, key] of Object.entries(SHAPE_KEYS)) {
    const spec = parameters[name];
    if (!spec) continue;
    let best = shape;
    for (const v of candidates(spec)) {
      const tried = { ...shape, [key]: v } as ModelShape;
      if (estimateModelBytes(tried) > estimateModelBytes(best)) best = tried;
    }
    Object.assign(shape, best);
    swept.push(name);
  }
  const problem = modelMemoryProblem(shape);
  if (!problem) return;
  const at = swept.includes('model.layers') ? ['parameters', 'model.layers'] : swept.length > 0 ? ['parameters', swept[0]] : ['model', 'layers'];
  issues.add(at, `at the largest point of the search, ${problem}`);
}
