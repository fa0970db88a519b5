import type { EvalConfig, MetricGoal, RunConfig } from '@tunelab/config';
import { improves, InputError } from '@tunelab/config';
import { prepareData, ShuffledBatcher, StatefulBatcher, trainIds } from '@tunelab/dataset';
import type { LoadOptions, PreparedData } from '@tunelab/dataset';
import { buildModel, disposeModel, dropoutLayers, resetStates } from './build';
import type { CheckpointKind, CheckpointMeta } from './checkpoint';
import { CHECKPOINT_FORMAT, checkpointDir, gitCommit, loadCheckpoint, loadWeightsInto, saveCheckpoint, trainableNames } from './checkpoint';
import type { EngineInfo, StepPath } from './engine';
import { activeEngine, engineLine, selectEngine, useEngine } from './engine';
import { adamFlavourOf, createOptimizer, restoreOptimizerState } from './optimizer';
import { learningRateAt, setLearningRate } from './lr-schedule';
import { Sampler } from './sample';
import { specFromConfig } from './spec';
import type { StepModels } from './step';
import { evalStep, stepModels, trainStep } from './step';
import { fusedTrainStep, type FusedTrainStep } from './fused-step';
import { tuneBodyBits } from './yardstick';
import { inputReader, type InputReader } from './metric-embedding';

/** Plain, structured-cloneable progress events (they cross a worker's MessagePort unchanged). */
export type TrainEvent =
  | { type: 'start'; engine: EngineInfo; params: number; batchesPerEpoch: number; startEpoch: number; epochs: number }
  | { type: 'batch'; epoch: number; batch: number; loss: number }
  | { type: 'epoch'; epoch: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; epoch: number; dir: string; kinds: CheckpointKind[]; metrics: Record<string, number> }
  | { type: 'log'; line: string };

export interface TrainOptions {
  config: RunConfig;
  /** Folder name under `<home>/checkpoints/`. */
  runId: string;
  /** tunelab's state folder (resolveHome). */
  home: string;
  /** Checked between batches; an aborted run rejects with an AbortError and writes nothing more. */
  signal?: AbortSignal;
  /** A checkpoint folder of this run to continue from: weights, optimizer state, epoch count, best so far. */
  resumeFrom?: string;
  onEvent?: (event: TrainEvent) => void;
  /** The data already prepared (same process only: it holds a Vocabulary); else prepared from config.data. */
  prepared?: PreparedData;
  /** Passed to prepareData (data folder, cache) when `prepared` is absent. */
  dataOptions?: LoadOptions;
  /** At most this many batches per epoch (benchmarks, smoke tests); default all. */
  maxBatchesPerEpoch?: number;
  /**
   * The metric that chooses the `best` checkpoint, and its goal (a sweep passes its own metric). Default
   * val_loss, minimize (training loss when nothing is held out). An epoch that did not compute the metric
   * (an eval-block metric between `eval.every` epochs) is no candidate.
   */
  objective?: MetricGoal;
  /**
   * Scores tunes sampled from the model every `config.eval.every` epochs and at the last epoch, when the
   * config has an `eval` block; the metrics it returns join that epoch's (so a sweep can optimise or prune on
   * them, and its checkpoints record them). @tunelab/eval's `createSampleEvaluator()` is the usual one.
   */
  evaluateSamples?: SampleEvaluator;
  /**
   * Whether a fused LSTM model with Adam trains on the fused kernels directly (default) or through tfjs
   * autograd (same numbers, slower; for comparisons).
   */
  fusedStep?: boolean;
  /**
   * The engine to train on, from `selectEngine` (its backend already started). Default: resolved here from
   * `config.train.backend`. The engine recorded in the result, the log and the checkpoints carries the step
   * path this model actually took.
   */
  engine?: EngineInfo;
  /**
   * Threads for the native kernels when the engine is resolved here (a sweep passes its trial's share of the
   * cores); default `config.train.threads`. Ignored with `engine`, which carries its own.
   */
  threads?: number;
}

/** What a sample evaluator gets: a batch-1 sampler over the live weights, and the run's data (for references). */
export interface SampleEvaluationContext {
  sampler: Sampler;
  epoch: number;
  eval: EvalConfig;
  prepared: PreparedData;
  /** Seed for this epoch's samples (the run seed + epoch), so a resumed run samples the same tunes. */
  seed: number;
}

export type SampleEvaluator = (ctx: SampleEvaluationContext) => Promise<Record<string, number>>;

export interface EpochRecord {
  epoch: number;
  metrics: Record<string, number>;
}

export interface TrainResult {
  runId: string;
  /** The engine, with the step path this model took. */
  engine: EngineInfo;
  params: number;
  /** The last epoch completed (counting resumed ones). */
  epochs: number;
  stoppedBy: 'epochs' | 'max_minutes';
  history: EpochRecord[];
  checkpoints: { epoch: number; dir: string; kinds: CheckpointKind[] }[];
  /** The best epoch by the objective (default validation loss, training loss when nothing is held out). */
  best: { epoch: number; dir: string | null; metric: string; goal: MetricGoal['goal']; value: number } | null;
  /** Training throughput over this call, characters (symbols) per second. */
  charsPerSec: number;
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const e = new Error(`training aborted${reason !== undefined ? `: ${String((reason as Error)?.message ?? reason)}` : ''}`);
  e.name = 'AbortError';
  return e;
}

/**
 * Mean loss (nats), accuracy and bits per character over a whole text, as one stateful pass: the text is cut
 * into `batchSize` contiguous streams (state reset first), no dropout. Null when the text is too short for
 * one batch even with shorter rows. `readInputs`: how the model reads the text (see InputReader; default the ids).
 */
export async function validate(
  sm: StepModels,
  ids: Int32Array,
  batchSize: number,
  seqLen: number,
  fused: FusedTrainStep | null = null,
  readInputs: InputReader = (x) => x,
): Promise<{ loss: number; accuracy: number; bpc: number } | null> {
  const streamLen = Math.floor(ids.length / batchSize);
  const T = Math.min(seqLen, streamLen - 1);
  if (T < 1) return null;
  const batcher = new StatefulBatcher(ids, batchSize, T, readInputs(ids));
  resetStates(sm.model);
  let lossSum = 0;
  let correct = 0;
  let n = 0;
  for (const b of batcher.batches(0)) {
    const r = fused ? fused.evaluate(b.x, b.y, b.batchSize, b.seqLen) : await evalStep(sm, b.x, b.y, b.batchSize, b.seqLen);
    lossSum += r.loss;
    correct += r.correct;
    n++;
  }
  resetStates(sm.model);
  const loss = lossSum / n;
  return { loss, accuracy: correct / (n * batchSize * T), bpc: loss / Math.LN2 };
}

/**
 * Trains one run config: a custom loop (not model.fit) over the configured batcher, with a stateful state
 * reset at each epoch start, seeded initialisation and dropout, optional global-norm clipping, per-epoch
 * training and validation metrics, and checkpoints under `<home>/checkpoints/<runId>/epoch-<n>/` every
 * `checkpoint_every` epochs, at each new best of `options.objective` (default validation loss) and at the end
 * (one folder per epoch, with every kind that applies). Metrics: loss, accuracy (training, with dropout),
 * val_loss, val_accuracy, val_bpc, val_bpc_jigs (and test_bpc_jigs at the last epoch) when the data holds out jigs,
 * characters (trained on so far), chars_per_sec, seconds. With `data.augment.transpose` each epoch trains on its own
 * transposed text. Trains on `options.engine`, else selects the engine of config.train.backend.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, runId, home, signal } = options;
  const emit = (e: TrainEvent) => options.onEvent?.(e);
  if (signal?.aborted) throw abortError(signal);
  const t = config.train;
  const chosen = options.engine ?? (await selectEngine(t.backend, undefined, options.threads ?? t.threads ?? 'auto'));
  if (options.engine) {
    // The caller's engine must be the one running: its backend started (selectEngine), its kernels in use.
    if (activeEngine().name !== chosen.name) throw new Error(`expected the ${chosen.name} engine's backend to be running; start it with selectEngine`);
    useEngine(chosen);
  }
  const data = options.prepared ?? (await prepareData(config.data, options.dataOptions));
  if (data.stats.split.leftOut > 0) {
    emit({ type: 'log', line: `training on ${data.split.train.length} tunes: ${data.stats.split.leftOut} that abc check finds an error in left out (data.train_tunes: valid)` });
  }
  const spec = specFromConfig(config.model, t.batching);
  const readInputs = inputReader(spec, data.vocab);
  const batcherOf = (ids: Int32Array) =>
    spec.stateful
      ? new StatefulBatcher(ids, t.batch_size, t.seq_len, readInputs(ids))
      : new ShuffledBatcher(ids, t.batch_size, t.seq_len, t.seed, readInputs(ids));
  // With transposition each epoch has its own text (every tune in the key drawn for it), hence its own batcher.
  const batcher = batcherOf(trainIds(data, 1, t.seed));
  const batchesPerEpoch = Math.min(batcher.batchesPerEpoch, options.maxBatchesPerEpoch ?? Infinity);

  const model = buildModel(spec, data.vocab.size, { batchSize: t.batch_size, seqLen: null, seed: t.seed, engine: chosen });
  const opt = createOptimizer(t.optimizer, t.clip_norm, adamFlavourOf(chosen));
  const sm = stepModels(model);
  // Fused LSTM models with Adam train and validate straight on the fused kernels (fused-step.ts); the rest
  // through tfjs autograd. Both give the same numbers.
  const direct = options.fusedStep === false ? null : fusedTrainStep(sm, opt);
  const step: StepPath = direct ? 'fused-step' : sm.fused ? 'fused-autograd' : chosen.name === 'webgpu' ? 'webgpu' : 'layers';
  const engine: EngineInfo = { ...chosen, step };
  emit({ type: 'log', line: `engine: ${engineLine(engine)}` });
  const dropouts = dropoutLayers(model);
  const params = model.countParams();
  const objective: MetricGoal = options.objective ?? { name: data.ids.val.length > 0 ? 'val_loss' : 'loss', goal: 'minimize' };

  let startEpoch = 0;
  let batchStep = 0;
  /** Characters trained on since the run began, resumed epochs included. */
  let characters = 0;
  let best: { epoch: number; value: number; dir: string | null } | null = null;
  const history: EpochRecord[] = [];
  const checkpoints: TrainResult['checkpoints'] = [];
  let trainChars = 0;
  let trainSeconds = 0;
  let stoppedBy: TrainResult['stoppedBy'] = 'epochs';
  const started = Date.now();

  try {
    if (options.resumeFrom) {
      const ckpt = await loadCheckpoint(options.resumeFrom);
      if (JSON.stringify(ckpt.meta.vocabulary.symbols) !== JSON.stringify(data.vocab.symbols)) {
        throw new InputError('expected the checkpoint to have the vocabulary of this run config, but it differs', options.resumeFrom);
      }
      loadWeightsInto(model, ckpt);
      await restoreOptimizerState(opt.optimizer, trainableNames(model), options.resumeFrom);
      startEpoch = ckpt.meta.epoch;
      batchStep = ckpt.meta.state.step;
      characters = ckpt.meta.metrics.characters ?? startEpoch * batchesPerEpoch * t.batch_size * t.seq_len;
      // The best so far carries over only when it was chosen by this objective (checkpoints before
      // format state.bestValue chose by val_loss or loss, minimize, and recorded the value as bestLoss).
      const st = ckpt.meta.state;
      const bestValue = st.bestValue ?? st.bestLoss ?? null;
      const sameObjective = st.bestMetric === objective.name && (st.bestGoal ?? 'minimize') === objective.goal;
      if (sameObjective && bestValue !== null && st.bestEpoch !== null) {
        best = { epoch: st.bestEpoch, value: bestValue, dir: null };
      } else if (bestValue !== null && !sameObjective) {
        emit({ type: 'log', line: `the checkpoint's best was by ${st.bestMetric} (${st.bestGoal ?? 'minimize'}); the best by ${objective.name} (${objective.goal}) starts afresh` });
      }
      emit({ type: 'log', line: `resumed from ${options.resumeFrom} at epoch ${startEpoch}` });
    }
    if (!options.objective && objective.name === 'loss') emit({ type: 'log', line: 'no validation split: the best checkpoint is chosen by training loss' });
    if (options.objective) emit({ type: 'log', line: `the best checkpoint is chosen by ${objective.name} (${objective.goal})` });
    emit({ type: 'start', engine, params, batchesPerEpoch, startEpoch, epochs: t.epochs });

    for (let epoch = startEpoch + 1; epoch <= t.epochs; epoch++) {
      if (spec.stateful) resetStates(model);
      const lr = learningRateAt(t, epoch);
      setLearningRate(opt.optimizer, lr);
      const epochStart = Date.now();
      let lossSum = 0;
      let correct = 0;
      let batches = 0;
      let timeUp = false;
      const epochBatcher = data.transposed && epoch > 1 ? batcherOf(trainIds(data, epoch, t.seed)) : batcher;
      if (data.transposed && epoch === startEpoch + 1) emit({ type: 'log', line: `transposing training tunes by ${data.transposed.min}…${data.transposed.max} semitones${data.transposed.fixed ? ` (${data.transposed.fixed} tunes whose key cannot move stay as written)` : ''}` });
      for (const batch of epochBatcher.batches(epoch - 1)) {
        if (batch.index >= (options.maxBatchesPerEpoch ?? Infinity)) break;
        if (signal?.aborted) throw abortError(signal);
        for (const d of dropouts) d.setStep(batchStep);
        const r = direct
          ? direct.train(batch.x, batch.y, batch.batchSize, batch.seqLen)
          : await trainStep(sm, opt, t.clip_norm, batch.x, batch.y, batch.batchSize, batch.seqLen);
        if (!Number.isFinite(r.loss)) throw new Error(`training diverged: loss ${r.loss} at epoch ${epoch}, batch ${batch.index}`);
        batchStep++;
        batches++;
        lossSum += r.loss;
        correct += r.correct;
        emit({ type: 'batch', epoch, batch: batch.index, loss: r.loss });
        if (t.max_minutes > 0 && Date.now() - started > t.max_minutes * 60_000) {
          timeUp = true;
          emit({ type: 'log', line: `max_minutes (${t.max_minutes}) reached after batch ${batch.index + 1} of ${batchesPerEpoch} of epoch ${epoch}` });
          break;
        }
        // Let the event loop run (abort signals, worker messages) between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const seconds = (Date.now() - epochStart) / 1000;
      const chars = batches * t.batch_size * t.seq_len;
      trainChars += chars;
      characters += chars;
      trainSeconds += seconds;
      const metrics: Record<string, number> = {
        loss: lossSum / batches,
        accuracy: correct / chars,
        bpc: lossSum / batches / Math.LN2,
        chars_per_sec: chars / seconds,
        seconds,
        // Characters trained on since the run began (resumed epochs included): ASHA's resource when trials
        // train on different files and an epoch is not the same amount of work.
        characters,
        lr,
      };
      const val = data.ids.val.length > 0 ? await validate(sm, data.ids.val, t.batch_size, t.seq_len, direct, readInputs) : null;
      if (val) Object.assign(metrics, { val_loss: val.loss, val_accuracy: val.accuracy, val_bpc: val.bpc });
      const last = epoch === t.epochs || timeUp;
      // The yardstick (held-out jigs from a zero state), comparable across files, vocabularies and preprocessing;
      // the test jigs only once, at the end, so no choice is ever made on them.
      const jigs = await tuneBodyBits(sm, data.yardstick.val, t.batch_size, t.seq_len, direct, readInputs);
      if (jigs) metrics.val_bpc_jigs = jigs.bpc;
      const testJigs = last ? await tuneBodyBits(sm, data.yardstick.test, t.batch_size, t.seq_len, direct, readInputs) : null;
      if (testJigs) metrics.test_bpc_jigs = testJigs.bpc;
      if (options.evaluateSamples && config.eval && (epoch % config.eval.every === 0 || last)) {
        const sampler = Sampler.fromModel(model, spec, data.vocab, t.seed);
        try {
          const scores = await options.evaluateSamples({ sampler, epoch, eval: config.eval, prepared: data, seed: t.seed + epoch });
          Object.assign(metrics, scores);
        } finally {
          sampler.dispose();
        }
      }
      history.push({ epoch, metrics });
      emit({ type: 'epoch', epoch, metrics });

      const score = metrics[objective.name];
      const kinds: CheckpointKind[] = [];
      if (t.checkpoint_every > 0 && epoch % t.checkpoint_every === 0) kinds.push('periodic');
      const isBest = improves(score, best?.value, objective.goal);
      if (isBest) kinds.push('best');
      if (last) kinds.push('last');
      if (isBest) best = { epoch, value: score as number, dir: null };
      if (kinds.length > 0) {
        const dir = checkpointDir(home, runId, epoch);
        const meta: CheckpointMeta = {
          format: CHECKPOINT_FORMAT,
          runId,
          epoch,
          kinds,
          config,
          spec,
          vocabulary: data.vocab.toData(),
          preprocessing: config.data.preprocessing,
          metrics,
          seed: t.seed,
          params,
          gitCommit: gitCommit(),
          engine,
          created: new Date().toISOString(),
          state: { step: batchStep, bestValue: best?.value ?? null, bestEpoch: best?.epoch ?? null, bestMetric: objective.name, bestGoal: objective.goal },
        };
        await saveCheckpoint(dir, model, opt.optimizer, meta);
        if (isBest && best) best.dir = dir;
        checkpoints.push({ epoch, dir, kinds });
        emit({ type: 'checkpoint', epoch, dir, kinds, metrics });
      }
      if (timeUp) {
        stoppedBy = 'max_minutes';
        break;
      }
    }
  } finally {
    disposeModel(model);
    opt.optimizer.dispose();
  }

  const lastEpoch = history.length ? history[history.length - 1].epoch : startEpoch;
  return {
    runId,
    engine,
    params,
    epochs: lastEpoch,
    stoppedBy,
    history,
    checkpoints,
    best: best ? { epoch: best.epoch, dir: best.dir, metric: objective.name, goal: objective.goal, value: best.value } : null,
    charsPerSec: trainSeconds > 0 ? trainChars / trainSeconds : 0,
  };
}
