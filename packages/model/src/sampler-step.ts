import { tf, tfl } from './tf';
import { engineOf, LOGITS_LAYER } from './build';
import { usesCpuKernels } from './cells';
import { fusedLstm } from './fused';
import { MetricEmbedding, splitMetricInputs } from './metric-embedding';

/**
 * The sampler's stepper: inference for LSTM models without tfjs-layers' graph executor: embedding (or one-hot) → one fused LSTM op
 * per layer → dense → softmax, a handful of ops per call. For one-symbol sampling steps the executor's
 * bookkeeping costs about 3× the arithmetic of a small model, so the sampler uses this when it can.
 * Reads the model's own weight variables (no copies); keeps its own recurrent state.
 */
/** The recurrent state of every layer, `h` and `c` each `[1, units]`. */
export type StepperState = { h: tf.Tensor2D; c: tf.Tensor2D }[];

export class FastLstmStepper {
  private states: { h: tf.Tensor2D; c: tf.Tensor2D }[] = [];

  private constructor(
    private readonly input:
      | { kind: 'embedding'; table: tf.Tensor2D }
      | { kind: 'metric-embedding'; table: tf.Tensor2D; metric: tf.Tensor2D[]; features: number[] }
      | { kind: 'one-hot'; depth: number },
    private readonly layers: { kernel: tf.Tensor2D; recurrentKernel: tf.Tensor2D; bias: tf.Tensor1D; units: number }[],
    private readonly dense: { kernel: tf.Tensor2D; bias: tf.Tensor1D },
  ) {
    this.reset();
  }

  /**
   * A stepper for a model built by buildModel whose recurrent layers are all LSTMs, when the engine the model
   * was built for has the cpu fused kernels; else undefined and the caller steps the tfjs model.
   */
  static tryCreate(model: tfl.LayersModel): FastLstmStepper | undefined {
    if (!usesCpuKernels(engineOf(model))) return undefined;
    const read = (l: tfl.layers.Layer) => l.weights.map((w) => w.read());
    let input: FastLstmStepper['input'] | undefined;
    const layers: FastLstmStepper['layers'] = [];
    for (const layer of model.layers) {
      const type = layer.getClassName();
      if (layer.name === 'embedding') {
        const [table, ...metric] = read(layer) as tf.Tensor2D[];
        input = layer instanceof MetricEmbedding ? { kind: 'metric-embedding', table, metric, features: [...layer.features] } : { kind: 'embedding', table };
      }
      else if (layer.name === 'one_hot') input = { kind: 'one-hot', depth: (layer as unknown as { depth: number }).depth };
      else if (/^(lstm|gru)_\d+$/.test(layer.name)) {
        if (type !== 'LSTM' && type !== 'FusedLSTM') return undefined;
        const [kernel, recurrentKernel, bias] = read(layer) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        if (!bias) return undefined;
        layers.push({ kernel, recurrentKernel, bias, units: recurrentKernel.shape[0] });
      }
    }
    const [kernel, bias] = read(model.getLayer(LOGITS_LAYER)) as [tf.Tensor2D, tf.Tensor1D];
    if (!input || layers.length === 0 || !bias) return undefined;
    return new FastLstmStepper(input, layers, { kernel, bias });
  }

  /** Zeroes the recurrent state. */
  reset(): void {
    for (const s of this.states) tf.dispose([s.h, s.c]);
    this.states = this.layers.map((l) => ({ h: tf.zeros([1, l.units]) as tf.Tensor2D, c: tf.zeros([1, l.units]) as tf.Tensor2D }));
  }

  /**
   * Feeds ids `[time]` from the current state (input ids: with metric input `symbol + vocab · state`); returns the
   * probabilities of the next symbol after the last, `[vocab]`.
   */
  step(ids: Int32Array): Float32Array {
    const T = ids.length;
    const out = tf.tidy(() => {
      const idt = tf.tensor1d(ids, 'int32');
      let x = this.embed(ids, idt, T);
      const next: { h: tf.Tensor2D; c: tf.Tensor2D }[] = [];
      this.layers.forEach((l, i) => {
        const r = fusedLstm(x, this.states[i].h, this.states[i].c, l.kernel, l.recurrentKernel, l.bias);
        next.push({ h: r.h, c: r.c });
        x = r.y;
      });
      const last = this.layers[this.layers.length - 1].units;
      const lastStep = tf.reshape(tf.slice(x, [0, T - 1, 0], [1, 1, last]), [1, last]);
      const probs = tf.reshape(tf.softmax(tf.add(tf.matMul(lastStep, this.dense.kernel), this.dense.bias)), [-1]);
      return { probs, next };
    });
    for (const s of this.states) tf.dispose([s.h, s.c]);
    this.states = out.next;
    const p = out.probs.dataSync() as Float32Array;
    out.probs.dispose();
    return p;
  }

  /** The input rows of ids, `[1, time, dim]` (one-hot: `[1, time, vocab]`). */
  private embed(ids: Int32Array, idt: tf.Tensor1D, T: number): tf.Tensor3D {
    const input = this.input;
    if (input.kind === 'one-hot') return tf.reshape(tf.oneHot(idt, input.depth), [1, T, input.depth]) as tf.Tensor3D;
    const E = input.table.shape[1];
    if (input.kind === 'embedding') return tf.reshape(tf.gather(input.table, idt), [1, T, E]) as tf.Tensor3D;
    const { symbols, parts } = splitMetricInputs(ids, input.table.shape[0], input.features);
    let rows = tf.gather(input.table, tf.tensor1d(symbols, 'int32'));
    parts.forEach((part, k) => (rows = tf.add(rows, tf.gather(input.metric[k], tf.tensor1d(part, 'int32')))));
    return tf.reshape(rows, [1, T, E]) as tf.Tensor3D;
  }

  /** A copy of the recurrent state, for {@link restore} (free it with {@link release}). */
  snapshot(): StepperState {
    return this.states.map((s) => ({ h: tf.clone(s.h), c: tf.clone(s.c) }));
  }

  /** Goes back to a snapshot's state; the snapshot stays usable. */
  restore(snapshot: StepperState): void {
    for (const s of this.states) tf.dispose([s.h, s.c]);
    this.states = snapshot.map((s) => ({ h: tf.clone(s.h), c: tf.clone(s.c) }));
  }

  /** Frees a snapshot. */
  static release(snapshot: StepperState): void {
    for (const s of snapshot) tf.dispose([s.h, s.c]);
  }

  /** Frees the state (the weights belong to the model). */
  dispose(): void {
    for (const s of this.states) tf.dispose([s.h, s.c]);
    this.states = [];
  }
}
