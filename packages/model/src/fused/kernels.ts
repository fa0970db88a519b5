/**
 * The one interface both fused-kernel implementations (native addon, TypeScript reference) provide. Kernels work
 * on caller-allocated Float32Arrays (row-major) and never write into their inputs, so tfjs cpu-backend buffers can
 * be passed without copying.
 */

/** Sizes of one fused LSTM call. */
export interface LstmDims {
  batch: number;
  time: number;
  inputSize: number;
  units: number;
}

/**
 * Forward buffers. x `[batch, time, in]`, h0/c0 `[batch, units]`, kernel `[in, 4u]`, recurrentKernel `[u, 4u]`,
 * bias `[4u]` (gate order i, f, c, o as in Keras); ys `[batch, time, units]` is written, hT/cT `[batch, units]`
 * too when given. gates `[batch, time, 4u]` (activated) and cells `[batch, time, units]` are the cache the backward
 * needs: give both or neither.
 */
export interface LstmForwardBuffers {
  x: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias: Float32Array;
  ys: Float32Array;
  hT?: Float32Array;
  cT?: Float32Array;
  gates?: Float32Array;
  cells?: Float32Array;
}

/**
 * Backward buffers: the forward's inputs, outputs and cache, the upstream gradients (dys `[batch, time, units]`,
 * dhT/dcT `[batch, units]`, absent = zero) and the gradients to write (absent = not computed).
 */
export interface LstmBackwardBuffers {
  x: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  ys: Float32Array;
  gates: Float32Array;
  cells: Float32Array;
  dys?: Float32Array;
  dhT?: Float32Array;
  dcT?: Float32Array;
  dx?: Float32Array;
  dh0?: Float32Array;
  dc0?: Float32Array;
  dKernel?: Float32Array;
  dRecurrentKernel?: Float32Array;
  dBias?: Float32Array;
}

/**
 * Forward buffers of an LSTM fed by an embedding: x[b, t] = table[ids[b, t]] with table `[vocab, in]` and ids
 * `[batch, time]`; the rest as {@link LstmForwardBuffers}.
 */
export type EmbeddedLstmForwardBuffers = Omit<LstmForwardBuffers, 'x'> & { table: Float32Array; ids: Int32Array };

/** Backward buffers of an LSTM fed by an embedding: dTable `[vocab, in]` takes the place of dx. */
export type EmbeddedLstmBackwardBuffers = Omit<LstmBackwardBuffers, 'x' | 'dx'> & {
  table: Float32Array;
  ids: Int32Array;
  dTable?: Float32Array;
};

/** Sizes of a dense layer followed by softmax cross-entropy: rows × hidden → classes. */
export interface DenseCeDims {
  rows: number;
  hidden: number;
  classes: number;
}

/** One Adam step's scalars (tfjs AdamOptimizer maths); gradScale multiplies the gradient first (clipping). */
export interface AdamScalars {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  gradScale: number;
}

export interface FusedKernels {
  readonly name: 'native' | 'reference';
  /**
   * A zeroed Float32Array of n elements for kernels to write into. The native one starts on a 64-byte cache line:
   * threads write neighbouring tiles of one output, and in a buffer that starts mid-line the edges between two
   * threads' tiles are lines both write, which bounce between the cores at every recurrence step.
   */
  floats(n: number): Float32Array;
  lstmForward(d: LstmDims, b: LstmForwardBuffers): void;
  lstmBackward(d: LstmDims, b: LstmBackwardBuffers): void;
  /** The first LSTM fed straight by an embedding: projects the table (vocab rows) instead of the sequence. */
  lstmForwardEmbedded(d: LstmDims, vocab: number, b: EmbeddedLstmForwardBuffers): void;
  lstmBackwardEmbedded(d: LstmDims, vocab: number, b: EmbeddedLstmBackwardBuffers): void;
  /**
   * probs `[rows, classes]` = softmax(x `[rows, hidden]` · kernel `[hidden, classes]` + bias); returns the summed
   * cross-entropy in nats against integer labels `[rows]`.
   */
  denseSoftmaxCeForward(
    d: DenseCeDims,
    x: Float32Array,
    kernel: Float32Array,
    bias: Float32Array,
    labels: Int32Array,
    probs: Float32Array,
  ): number;
  /** Turns probs into dlogits (scaled by `scale`) in place and writes dx, dKernel, dBias. */
  denseSoftmaxCeBackward(
    d: DenseCeDims,
    x: Float32Array,
    kernel: Float32Array,
    labels: Int32Array,
    probs: Float32Array,
    scale: number,
    dx: Float32Array,
    dKernel: Float32Array,
    dBias: Float32Array,
  ): void;
  /** Rows of probs `[rows, classes]` whose most probable class (the first, on ties) is the label. */
  countCorrect(probs: Float32Array, labels: Int32Array, classes: number): number;
  /** Updates m and v in place and writes the new parameters to out. */
  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, s: AdamScalars): void;
  sumSquares(x: Float32Array): number;
  /** sumSquares of each array (each summed as sumSquares sums it), the arrays at once where threads allow. */
  sumSquaresEach(xs: Float32Array[]): number[];
  /**
   * Fills mask with 1 / (1 − rate) (kept) or 0 (dropped), from a hash of (seed, index): the same mask in every
   * implementation, so a seeded run repeats whichever kernels run it.
   */
  dropoutMask(seed: number, rate: number, mask: Float32Array): void;
  /** out[i] = a[i] · b[i]. */
  multiply(a: Float32Array, b: Float32Array, out: Float32Array): void;
}
