/**
 * The seed model's training step on tunelab's engines, each run as a child process (`serve.ts`) so the bench
 * can interleave engines step by step without one's memory or JIT state affecting another's.
 * Seed model: Embedding 86 → 512, 3 × (LSTM 256, Dropout 0.2), Dense 86 + softmax cross-entropy, Adam 1e-3,
 * stateful batches of 16 × 64 random tokens.
 */
import {
  adamFlavourOf,
  buildModel,
  createOptimizer,
  denseSoftmaxCrossEntropy,
  dropoutLayers,
  FusedAdamOptimizer,
  fusedDropoutLayer,
  fusedEmbeddingLayer,
  fusedLstmLayer,
  fusedProfile,
  fusedTrainStep,
  selectEngine,
  specFromConfig,
  stepModels,
  tf,
  tfl,
  type EngineInfo,
} from '@tunelab/model';

export const SEED = { vocab: 86, embed: 512, units: 256, layers: 3, dropout: 0.2, batch: 16, seq: 64 } as const;

export type EngineName = 'fused-step' | 'fused' | 'wasm' | 'layers-cpu';

export interface Engine {
  params: number;
  /** One training step on a fresh random batch; returns its wall time in ms and the loss. */
  step(): { ms: number; loss: number };
  /** Per-op breakdown of `steps` steps (fused engine only), ms per step. */
  profile?(steps: number): Record<string, number>;
}

function batchMaker(seed: number): () => { x: tf.Tensor2D; y: tf.Tensor2D } {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % SEED.vocab;
  };
  const n = SEED.batch * SEED.seq;
  return () => ({
    x: tf.tensor2d(Int32Array.from({ length: n }, next), [SEED.batch, SEED.seq], 'int32'),
    y: tf.tensor2d(Int32Array.from({ length: n }, next), [SEED.batch, SEED.seq], 'int32'),
  });
}

/** Runs `count` steps with the fused kernels' profile on: mean ms per step, and the kernels' totals. */
function profiledSteps(step: () => { ms: number }, count: number): { stepMs: number; ops: Record<string, { ms: number; calls: number }> } {
  fusedProfile.take();
  fusedProfile.enable(true);
  let total = 0;
  for (let i = 0; i < count; i++) total += step().ms;
  fusedProfile.enable(false);
  return { stepMs: total / count, ops: fusedProfile.take() };
}

function timeStep(run: () => tf.Scalar): { ms: number; loss: number } {
  const t0 = performance.now();
  const loss = run();
  const value = loss.dataSync()[0];
  const ms = performance.now() - t0;
  loss.dispose();
  return { ms, loss: value };
}

/**
 * tunelab's fused ops through tfjs autograd (how `tunelab train` ran them before the fused step): cpu backend,
 * FusedEmbedding + FusedLSTM + FusedDropout + fused dense-softmax-CE + FusedAdam.
 */
function fusedEngine(): Engine {
  const trunk = tfl.sequential();
  trunk.add(fusedEmbeddingLayer({ inputDim: SEED.vocab, outputDim: SEED.embed, batchInputShape: [SEED.batch, SEED.seq] }));
  for (let i = 0; i < SEED.layers; i++) {
    trunk.add(fusedLstmLayer({ units: SEED.units, returnSequences: true, stateful: true, recurrentInitializer: 'glorotUniform' }));
    trunk.add(fusedDropoutLayer({ rate: SEED.dropout, seed: 100 + i }));
  }
  const dense = tfl.layers.dense({ units: SEED.vocab });
  tf.dispose(dense.apply(tf.zeros([1, SEED.units])) as tf.Tensor);
  const [kernel, bias] = dense.trainableWeights.map((w) => w.read()) as [tf.Tensor2D, tf.Tensor1D];
  const opt = new FusedAdamOptimizer(1e-3);
  const nextBatch = batchMaker(1);
  const step = () => {
    const { x, y } = nextBatch();
    const r = timeStep(
      () =>
        opt.minimize(() => {
          const h = trunk.apply(x, { training: true }) as tf.Tensor;
          return denseSoftmaxCrossEntropy(h, kernel, bias, y).loss;
        }, true) as tf.Scalar,
    );
    tf.dispose([x, y]);
    return r;
  };
  return {
    params: trunk.countParams() + dense.countParams(),
    step,
    profile(steps) {
      const { stepMs, ops } = profiledSteps(step, steps);
      const total = stepMs * steps;
      // Forward alone (training mode, no tape) to split the remainder into forward and backward overhead.
      const { x, y } = nextBatch();
      const t0 = performance.now();
      tf.tidy(() => denseSoftmaxCrossEntropy(trunk.apply(x, { training: true }) as tf.Tensor, kernel, bias, y).loss.dataSync());
      const forward = performance.now() - t0;
      tf.dispose([x, y]);
      const out: Record<string, number> = { step: total / steps, 'forward only (no tape)': forward };
      let kernels = 0;
      for (const [name, { ms }] of Object.entries(ops)) {
        out[name] = ms / steps;
        kernels += ms / steps;
      }
      out['tfjs ops, tape, copies (rest)'] = total / steps - kernels;
      return out;
    },
  };
}

/**
 * What `tunelab train` runs on the cpu backend: the seed model as buildModel makes it, trained by the fused step
 * (packages/model/src/fused-step.ts) — the same kernels as `fused`, without tfjs autograd in the loop.
 */
function fusedStepEngine(engine: EngineInfo): Engine {
  const spec = specFromConfig({ cell: 'lstm', embedding_dim: SEED.embed, layers: Array(SEED.layers).fill(SEED.units), dropout: SEED.dropout }, 'stateful');
  const model = buildModel(spec, SEED.vocab, { batchSize: SEED.batch, seqLen: null, seed: 1, engine });
  const sm = stepModels(model);
  const trainer = fusedTrainStep(sm, createOptimizer({ name: 'adam', lr: 1e-3 }, 0, adamFlavourOf(engine)));
  if (!trainer) throw new Error('the fused training step does not cover the seed model');
  const dropouts = dropoutLayers(model);
  let s = 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % SEED.vocab;
  };
  const n = SEED.batch * SEED.seq;
  let steps = 0;
  const step = () => {
    const x = Int32Array.from({ length: n }, next);
    const y = Int32Array.from({ length: n }, next);
    for (const d of dropouts) d.setStep(steps++);
    const t0 = performance.now();
    const { loss } = trainer.train(x, y, SEED.batch, SEED.seq);
    return { ms: performance.now() - t0, loss };
  };
  return {
    params: model.countParams(),
    step,
    profile(count) {
      const { stepMs, ops } = profiledSteps(step, count);
      const out: Record<string, number> = { step: stepMs };
      let kernels = 0;
      for (const [name, { ms }] of Object.entries(ops)) {
        out[name] = ms / count;
        kernels += ms / count;
      }
      out['JavaScript around the kernels (rest)'] = stepMs - kernels;
      return out;
    },
  };
}

/** tfjs-layers LSTM (unfused) with tf.train.adam on the current backend (wasm or cpu). */
function layersEngine(): Engine {
  const model = tfl.sequential();
  // The wasm backend lacks UnsortedSegmentSum (tf.gather's gradient), so the embedding uses tunelab's lookup.
  model.add(fusedEmbeddingLayer({ inputDim: SEED.vocab, outputDim: SEED.embed, batchInputShape: [SEED.batch, SEED.seq] }));
  for (let i = 0; i < SEED.layers; i++) {
    model.add(
      tfl.layers.lstm({ units: SEED.units, returnSequences: true, stateful: true, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' }),
    );
    model.add(tfl.layers.dropout({ rate: SEED.dropout }));
  }
  model.add(tfl.layers.dense({ units: SEED.vocab }));
  const opt = tf.train.adam(1e-3);
  const nextBatch = batchMaker(1);
  return {
    params: model.countParams(),
    step() {
      const { x, y } = nextBatch();
      const r = timeStep(
        () =>
          opt.minimize(() => {
            const logits = model.apply(x, { training: true }) as tf.Tensor;
            return tf.losses.softmaxCrossEntropy(tf.oneHot(y, SEED.vocab), logits);
          }, true) as tf.Scalar,
      );
      tf.dispose([x, y]);
      return r;
    },
  };
}

/** Builds an engine on its backend; `threads` is what the fused step's native kernels get (the others run one). */
export async function makeEngine(name: EngineName, threads = 1): Promise<Engine> {
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    // One thread, as PyTorch gets: the threaded build would also need SharedArrayBuffer workers.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    await tf.setBackend('wasm');
    return layersEngine();
  }
  if (name === 'fused-step') return fusedStepEngine(await selectEngine('cpu', undefined, threads));
  await tf.setBackend('cpu');
  return name === 'fused' ? fusedEngine() : layersEngine();
}
