import { tf, tfl } from './tf';
import { FusedAdamOptimizer, FusedEmbedding, FusedLSTM, getKernels, maskSeed, timed, withRecycledTensors } from './fused';
import type { FusedKernels } from './fused';
import { SeededDropout } from './layers';
import { MetricEmbedding, splitMetricInputs } from './metric-embedding';
import type { TrainOptimizer } from './optimizer';
import type { StepModels } from './step';

/**
 * The training step of a fused LSTM model run straight on the native kernels, without tfjs in the loop:
 * embedding → (LSTM → dropout) × L → dense + softmax cross-entropy, the backward in reverse, then the fused Adam.
 *
 * Why: through tfjs each step also ran tfjs-layers' graph executor, the gradient tape, tidy scopes and ~40
 * tensor wrappers: ~15% of a step of the small sweep model, and most of what V8 compiled in each new worker
 * thread (~1 s of background compiling per trial worker, which two trials at once take from each other). This
 * step calls the same kernels, in the same order, on the same numbers: losses and weights are bit-identical to
 * the tfjs path (fused-step.test.ts), so checkpoints, resume and seeded runs do not change. Its arrays are
 * allocated once per shape and reused every step.
 *
 * Models it does not cover (GRU, tfjs-layers LSTMs, one-hot input, other optimizers, other backends) train
 * through `trainStep` as before: {@link fusedTrainStep} returns null for them.
 */
export interface FusedTrainStep {
  /**
   * One optimisation step on a batch: forward with dropout, mean cross-entropy (nats), gradients, Adam with
   * global-norm clipping. x, y: row-major int32 `[batch, time]`. Advances stateful layers' states.
   */
  train(x: Int32Array, y: Int32Array, batchSize: number, seqLen: number): { loss: number; correct: number };
  /** Loss and correct predictions of a batch without dropout or updates (the recurrent state still advances). */
  evaluate(x: Int32Array, y: Int32Array, batchSize: number, seqLen: number): { loss: number; correct: number };
  /**
   * Cross-entropy (nats) of each position of a batch, without dropout or updates, row-major `[batch, time]`
   * (the recurrent state still advances). A new array each call.
   */
  positionLosses(x: Int32Array, y: Int32Array, batchSize: number, seqLen: number): Float32Array;
}

interface LstmStage {
  layer: FusedLSTM;
  units: number;
  inputSize: number;
  kernel: tf.Variable;
  recurrentKernel: tf.Variable;
  bias: tf.Variable;
  /** The dropout after it, when it drops anything. */
  dropout: SeededDropout | null;
}

interface Plan {
  table: tf.Variable;
  /** Symbols: the embedding table's rows and the output classes. */
  vocab: number;
  /**
   * With metric input (MetricEmbedding): a table `[features[k], dim]` per part of the state; input ids are
   * `symbol + vocab · state`. Empty without.
   */
  metricTables: tf.Variable[];
  features: number[];
  /** Input ids are in [0, inputIds): vocab, or vocab · Π features with metric input. */
  inputIds: number;
  /** Embedding width. */
  dim: number;
  stages: LstmStage[];
  dense: { kernel: tf.Variable; bias: tf.Variable };
  optimizer: FusedAdamOptimizer;
  /** The model's trainable variables in the order the tfjs path hands them to the optimizer. */
  variables: tf.Variable[];
}

/** Per-stage arrays for one batch shape. */
interface StageBuffers {
  h0: Float32Array;
  c0: Float32Array;
  hT: Float32Array;
  cT: Float32Array;
  ys: Float32Array;
  gates: Float32Array;
  cells: Float32Array;
  /** Dropout mask and output (only with dropout). */
  mask: Float32Array | null;
  dropped: Float32Array | null;
  /** Gradient into this stage's output (dropout's input side), and into its input (stages after the first). */
  dys: Float32Array;
  dx: Float32Array | null;
  dKernel: Float32Array;
  dRecurrentKernel: Float32Array;
  dBias: Float32Array;
}

interface Buffers {
  batch: number;
  time: number;
  stages: StageBuffers[];
  probs: Float32Array;
  dFeatures: Float32Array;
  dDenseKernel: Float32Array;
  dDenseBias: Float32Array;
  dTable: Float32Array;
  /** With metric input: each id's symbol and parts, the first stage's input rows `[batch·time, dim]`, their gradient, each part table's gradient. */
  metric: { symbols: Int32Array; parts: Int32Array[]; x: Float32Array; dx: Float32Array; dTables: Float32Array[] } | null;
}

const f32 = (v: tf.Tensor): Float32Array => v.dataSync() as Float32Array;

function variableOf(v: tfl.LayerVariable | null | undefined): tf.Variable | null {
  return v ? (v.read() as tf.Variable) : null;
}

/**
 * The model's layers as a plan the fused step can run, or null when any part of it is outside what it covers.
 */
function planOf(sm: StepModels, opt: TrainOptimizer): Plan | null {
  // Not instanceof: tf.Optimizer's Symbol.hasInstance takes any optimizer for any of its subclasses.
  if (!sm.fused || opt.optimizer.constructor !== FusedAdamOptimizer) return null;
  const layers = sm.model.layers;
  let i = 0;
  if (layers[i]?.getClassName() === 'InputLayer') i++;
  const embedding = layers[i++];
  if (!(embedding instanceof FusedEmbedding) && !(embedding instanceof MetricEmbedding)) return null;
  const table = variableOf(embedding.embeddings);
  if (!table || table.shape.length !== 2) return null;
  const metricTables = embedding instanceof MetricEmbedding ? embedding.metricEmbeddings.map((v) => variableOf(v)) : [];
  if (metricTables.some((v) => v === null)) return null;
  const features = embedding instanceof MetricEmbedding ? [...embedding.features] : [];
  const stages: LstmStage[] = [];
  let inputSize = table.shape[1];
  while (layers[i] instanceof FusedLSTM) {
    const layer = layers[i++] as FusedLSTM;
    const rnn = layer as unknown as { returnSequences: boolean; returnState: boolean; cell: { units: number; kernel: tfl.LayerVariable; recurrentKernel: tfl.LayerVariable; bias: tfl.LayerVariable | null } };
    const kernel = variableOf(rnn.cell.kernel);
    const recurrentKernel = variableOf(rnn.cell.recurrentKernel);
    const bias = variableOf(rnn.cell.bias);
    if (!rnn.returnSequences || rnn.returnState || !kernel || !recurrentKernel || !bias || kernel.shape[0] !== inputSize) return null;
    const next = layers[i];
    if (!(next instanceof SeededDropout)) return null;
    i++;
    stages.push({ layer, units: rnn.cell.units, inputSize, kernel, recurrentKernel, bias, dropout: next.rate > 0 ? next : null });
    inputSize = rnn.cell.units;
  }
  if (stages.length === 0 || layers[i] !== sm.model.getLayer('logits')) return null;
  const dense = { kernel: variableOf(sm.dense.kernel), bias: variableOf(sm.dense.bias) };
  if (!dense.kernel || !dense.bias || dense.kernel.shape[0] !== inputSize) return null;
  // Every trainable variable must be one the step computes a gradient for.
  const known = new Set<tf.Variable>([table, ...(metricTables as tf.Variable[]), dense.kernel, dense.bias, ...stages.flatMap((s) => [s.kernel, s.recurrentKernel, s.bias])]);
  if (sm.variables.length !== known.size || sm.variables.some((v) => !known.has(v))) return null;
  return {
    table,
    vocab: table.shape[0],
    metricTables: metricTables as tf.Variable[],
    features,
    inputIds: table.shape[0] * features.reduce((a, b) => a * b, 1),
    dim: table.shape[1],
    stages,
    dense: { kernel: dense.kernel, bias: dense.bias },
    optimizer: opt.optimizer as FusedAdamOptimizer,
    variables: sm.variables,
  };
}

function allocate(plan: Plan, B: number, T: number, kernels: FusedKernels): Buffers {
  const N = B * T;
  const stages = plan.stages.map((s, k): StageBuffers => {
    const U = s.units;
    return {
      h0: kernels.floats(B * U),
      c0: kernels.floats(B * U),
      hT: kernels.floats(B * U),
      cT: kernels.floats(B * U),
      ys: kernels.floats(N * U),
      gates: kernels.floats(N * 4 * U),
      cells: kernels.floats(N * U),
      mask: s.dropout ? kernels.floats(N * U) : null,
      dropped: s.dropout ? kernels.floats(N * U) : null,
      dys: kernels.floats(N * U),
      dx: k > 0 ? kernels.floats(N * s.inputSize) : null,
      dKernel: kernels.floats(s.inputSize * 4 * U),
      dRecurrentKernel: kernels.floats(U * 4 * U),
      dBias: kernels.floats(4 * U),
    };
  });
  const last = plan.stages[plan.stages.length - 1].units;
  return {
    batch: B,
    time: T,
    stages,
    probs: kernels.floats(N * plan.vocab),
    dFeatures: kernels.floats(N * last),
    dDenseKernel: kernels.floats(last * plan.vocab),
    dDenseBias: kernels.floats(plan.vocab),
    dTable: kernels.floats(plan.table.size),
    metric:
      plan.metricTables.length > 0
        ? {
            symbols: new Int32Array(N),
            parts: plan.features.map(() => new Int32Array(N)),
            x: kernels.floats(N * plan.dim),
            dx: kernels.floats(N * plan.dim),
            dTables: plan.metricTables.map((t) => kernels.floats(t.size)),
          }
        : null,
  };
}

/**
 * The first stage's input with metric input: row r = table[symbol] + Σ_k metric_k[part k] of input id r, summed in
 * MetricEmbedding's order (so the same floats). Also leaves each id's symbol and parts in `m`.
 */
function metricRows(plan: Plan, m: NonNullable<Buffers['metric']>, ids: Int32Array): Float32Array {
  const E = plan.dim;
  const table = f32(plan.table);
  const tables = plan.metricTables.map(f32);
  splitMetricInputs(ids, plan.vocab, plan.features, m);
  for (let r = 0; r < ids.length; r++) {
    const o = r * E;
    m.x.set(table.subarray(m.symbols[r] * E, m.symbols[r] * E + E), o);
    tables.forEach((t, k) => {
      const b = m.parts[k][r] * E;
      for (let j = 0; j < E; j++) m.x[o + j] += t[b + j];
    });
  }
  return m.x;
}

/** The input rows' gradient scatter-added into every table, row by row in order (as embeddingLookup's backward). */
function scatterMetricRows(plan: Plan, dTable: Float32Array, m: NonNullable<Buffers['metric']>): void {
  const E = plan.dim;
  dTable.fill(0);
  for (const d of m.dTables) d.fill(0);
  for (let r = 0; r < m.symbols.length; r++) {
    const o = r * E;
    const a = m.symbols[r] * E;
    for (let j = 0; j < E; j++) dTable[a + j] += m.dx[o + j];
    for (let k = 0; k < m.parts.length; k++) {
      const d = m.dTables[k];
      const b = m.parts[k][r] * E;
      for (let j = 0; j < E; j++) d[b + j] += m.dx[o + j];
    }
  }
}

function checkIds(ids: Int32Array, vocab: number, what: string): void {
  for (let n = 0; n < ids.length; n++) {
    if (!(ids[n] >= 0 && ids[n] < vocab)) throw new RangeError(`Expected ${what} in [0, ${vocab}), but got ${ids[n]} at ${n}`);
  }
}

/** A stateful layer's current state into h0/c0 (zeros for a stateless one: h0/c0 are never written then). */
function loadState(stage: LstmStage, b: StageBuffers): void {
  if (!stage.layer.stateful) return;
  const states = stage.layer.states as tf.Tensor[];
  b.h0.set(f32(states[0]));
  b.c0.set(f32(states[1]));
}

/** The final state becomes the layer's state, as FusedLSTM.call leaves it (fresh tensors, old ones disposed). */
function saveState(stage: LstmStage, b: StageBuffers): void {
  if (!stage.layer.stateful) return;
  const [B, U] = [b.h0.length / stage.units, stage.units];
  // resetStates keeps clones of what it is given: the tidy frees the originals.
  tf.tidy(() => stage.layer.resetStates([tf.tensor2d(b.hT.slice(), [B, U]), tf.tensor2d(b.cT.slice(), [B, U])], false));
}

/** What a stage's forward and backward both read: its initial state and its weights as they are now. */
function stageInputs(s: LstmStage, b: StageBuffers) {
  return { h0: b.h0, c0: b.c0, kernel: f32(s.kernel), recurrentKernel: f32(s.recurrentKernel) };
}

/**
 * Forward through every stage and the output layer; returns the summed cross-entropy (nats) and leaves the
 * features, probabilities and (when `training`) the caches and dropout masks in `buf`.
 */
function forward(plan: Plan, buf: Buffers, kernels: FusedKernels, ids: Int32Array, labels: Int32Array, training: boolean): { total: number; features: Float32Array } {
  const { batch: B, time: T } = buf;
  let input: Float32Array | null = null;
  plan.stages.forEach((s, k) => {
    const b = buf.stages[k];
    loadState(s, b);
    const dims = { batch: B, time: T, inputSize: s.inputSize, units: s.units };
    const common = {
      ...stageInputs(s, b),
      bias: f32(s.bias),
      ys: b.ys,
      hT: b.hT,
      cT: b.cT,
      gates: training ? b.gates : undefined,
      cells: training ? b.cells : undefined,
    };
    if (input === null && buf.metric) {
      const x = metricRows(plan, buf.metric, ids);
      timed('lstm.forward', () => kernels.lstmForward(dims, { ...common, x }));
    } else if (input === null) {
      timed('lstm.forward.embedded', () => kernels.lstmForwardEmbedded(dims, plan.vocab, { ...common, table: f32(plan.table), ids }));
    } else {
      const x = input;
      timed('lstm.forward', () => kernels.lstmForward(dims, { ...common, x }));
    }
    saveState(s, b);
    input = b.ys;
    if (training && s.dropout && b.mask && b.dropped) {
      const seed = maskSeed(s.dropout.nextMaskState());
      const { mask, dropped } = b;
      timed('dropout.forward', () => {
        kernels.dropoutMask(seed, s.dropout!.rate, mask);
        kernels.multiply(b.ys, mask, dropped);
      });
      input = dropped;
    }
  });
  const features = input as unknown as Float32Array;
  const dims = { rows: B * T, hidden: plan.stages[plan.stages.length - 1].units, classes: plan.vocab };
  const total = timed('denseCe.forward', () =>
    kernels.denseSoftmaxCeForward(dims, features, f32(plan.dense.kernel), f32(plan.dense.bias), labels, buf.probs),
  );
  return { total, features };
}

function backward(plan: Plan, buf: Buffers, kernels: FusedKernels, ids: Int32Array, labels: Int32Array, features: Float32Array): Map<tf.Variable, Float32Array> {
  const { batch: B, time: T } = buf;
  const N = B * T;
  const grads = new Map<tf.Variable, Float32Array>();
  const last = plan.stages[plan.stages.length - 1].units;
  // Every kernel below writes the whole of each gradient array it is given (none accumulates into them), so they
  // are not zeroed first: that was ~10 MB of serial stores a step for the seed model.
  // d(mean loss)/d(summed loss) = 1/N; probs become dlogits in place (they are not needed after this).
  timed('denseCe.backward', () =>
    kernels.denseSoftmaxCeBackward({ rows: N, hidden: last, classes: plan.vocab }, features, f32(plan.dense.kernel), labels, buf.probs, 1 / N, buf.dFeatures, buf.dDenseKernel, buf.dDenseBias),
  );
  grads.set(plan.dense.kernel, buf.dDenseKernel);
  grads.set(plan.dense.bias, buf.dDenseBias);
  let upstream = buf.dFeatures;
  for (let k = plan.stages.length - 1; k >= 0; k--) {
    const s = plan.stages[k];
    const b = buf.stages[k];
    let dys = upstream;
    if (s.dropout && b.mask) {
      const mask = b.mask;
      const from = upstream;
      timed('dropout.backward', () => kernels.multiply(from, mask, b.dys));
      dys = b.dys;
    }
    const dims = { batch: B, time: T, inputSize: s.inputSize, units: s.units };
    const common = {
      ...stageInputs(s, b),
      ys: b.ys,
      gates: b.gates,
      cells: b.cells,
      dys,
      dKernel: b.dKernel,
      dRecurrentKernel: b.dRecurrentKernel,
      dBias: b.dBias,
    };
    if (k === 0 && buf.metric) {
      const m = buf.metric;
      timed('lstm.backward', () => kernels.lstmBackward(dims, { ...common, x: m.x, dx: m.dx }));
      scatterMetricRows(plan, buf.dTable, m);
      grads.set(plan.table, buf.dTable);
      plan.metricTables.forEach((t, k) => grads.set(t, m.dTables[k]));
    } else if (k === 0) {
      timed('lstm.backward.embedded', () => kernels.lstmBackwardEmbedded(dims, plan.vocab, { ...common, table: f32(plan.table), ids, dTable: buf.dTable }));
      grads.set(plan.table, buf.dTable);
    } else {
      const prev = buf.stages[k - 1];
      const x = prev.dropped ?? prev.ys;
      const dx = b.dx!;
      timed('lstm.backward', () => kernels.lstmBackward(dims, { ...common, x, dx }));
      upstream = dx;
    }
    grads.set(s.kernel, b.dKernel);
    grads.set(s.recurrentKernel, b.dRecurrentKernel);
    grads.set(s.bias, b.dBias);
  }
  return grads;
}

/**
 * The fused training step for this model and optimizer, or null when the model has a part it does not cover
 * (then `trainStep` / `evalStep` train it through tfjs).
 */
export function fusedTrainStep(sm: StepModels, opt: TrainOptimizer): FusedTrainStep | null {
  const plan = planOf(sm, opt);
  if (!plan) return null;
  // One set of arrays per batch shape (training batches, and validation rows when the held-out text is short).
  const byShape = new Map<string, Buffers>();
  const buffers = (B: number, T: number): Buffers => {
    const key = `${B}x${T}`;
    let b = byShape.get(key);
    if (!b) byShape.set(key, (b = allocate(plan, B, T, getKernels())));
    return b;
  };
  const run = (x: Int32Array, y: Int32Array, B: number, T: number, training: boolean) => {
    if (x.length !== B * T || y.length !== B * T) throw new Error(`Expected x and y of ${B} × ${T} ids, but got ${x.length} and ${y.length}`);
    checkIds(x, plan.inputIds, 'ids');
    checkIds(y, plan.vocab, 'labels');
    const b = buffers(B, T);
    const kernels = getKernels();
    const { total, features } = forward(plan, b, kernels, x, y, training);
    // Read before the backward turns the probabilities into gradients. The loss is a float32 scalar in tfjs.
    const result = { loss: Math.fround(total / (B * T)), correct: kernels.countCorrect(b.probs, y, plan.vocab) };
    if (training) {
      const grads = backward(plan, b, kernels, x, y, features);
      plan.optimizer.applyRawGradients(plan.variables.map((variable) => ({ variable, grad: grads.get(variable)! })));
    }
    return result;
  };
  return {
    // Adam's new weights become tensors on arrays the buffer pool lends; inside the scope the arrays of the
    // weights they replace come back for the next step, instead of new zeroed arrays every step.
    train: (x, y, B, T) => withRecycledTensors(() => run(x, y, B, T, true)),
    evaluate: (x, y, B, T) => run(x, y, B, T, false),
    positionLosses: (x, y, B, T) => {
      run(x, y, B, T, false);
      const { probs } = buffers(B, T);
      const out = new Float32Array(B * T);
      // The smallest float32 keeps a probability that underflowed to 0 finite (~103 nats).
      for (let i = 0; i < out.length; i++) out[i] = -Math.log(Math.max(probs[i * plan.vocab + y[i]], 1.4e-45));
      return out;
    },
  };
}
