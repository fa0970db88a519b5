/**
 * `npm run bench -- sample [--json] [--chars N] [--tunes N] [--max-length N] [--rounds N]`, two parts in one run:
 *
 * 1. One character at a time (batch 1 × 1, stateful), as sampling runs, on the seed model's shape: FusedLSTM
 *    vs tfjs-layers LSTM on the cpu backend, interleaved.
 * 2. Whole tunes through `Sampler.stream` (what `generate` runs) in each constrain mode, off, syntax and meter,
 *    on the seed model (experiments/seed-replica.yaml: embedding 512, 3 × LSTM 256) and on the quickstart
 *    model (experiments/quickstart.yaml's base model: embedding 64, 1 × LSTM 128). Both are built from their
 *    spec with random (untrained) weights: the cost of a step does not depend on the weights, but tune
 *    lengths do, so ms per character is reported beside ms per tune. The vocabulary is the Nottingham jigs'
 *    when the data is on this machine (TUNELAB_DATA_DIR or the cache; never downloaded here), else the 96
 *    printable ASCII characters and newline. The modes take turns round by round, each round drawing the same
 *    `--tunes` tunes (fixed seed, prime `X:`); the first round is a warm-up; medians over the rest.
 *
 * JSON: `{ fused_ms_per_char, layers_ms_per_char, ratio, modes: { seed: { off, syntax, meter,
 * meter_over_off, meter_over_off_per_char }, quickstart: { … } }, weights, vocabulary, tunes_per_mode,
 * max_length, rounds }`, each mode `{ ms_per_tune, ms_per_char, chars_per_tune, complete_share,
 * masked_mass_mean }`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRunConfig, loadSweepConfig, type ModelConfig } from '@tunelab/config';
import { loadCorpus, Vocabulary } from '@tunelab/dataset';
import { buildModel, disposeModel, engineLine, fusedLstmLayer, Sampler, selectEngine, specFromConfig, tf, tfl, type SampledTune } from '@tunelab/model';
import { SEED } from './train/engines';

export const description = 'sampling speed: FusedLSTM vs tfjs-layers per step, and ms per tune in each constrain mode (off, syntax, meter)';

const MODES = ['off', 'syntax', 'meter'] as const;
type Mode = (typeof MODES)[number];
const experiments = fileURLToPath(new URL('../experiments/', import.meta.url));
const log = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function build(fused: boolean): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.embedding({ inputDim: SEED.vocab, outputDim: SEED.embed, batchInputShape: [1, 1] }));
  for (let i = 0; i < SEED.layers; i++) {
    const args = { units: SEED.units, returnSequences: true, stateful: true, recurrentActivation: 'sigmoid' as const, recurrentInitializer: 'glorotUniform' as const };
    m.add(fused ? fusedLstmLayer(args) : tfl.layers.lstm(args));
  }
  m.add(tfl.layers.dense({ units: SEED.vocab, activation: 'softmax' }));
  return m;
}

/** Part 1: ms per one-character step, fused vs tfjs-layers. */
function perChar(chars: number): { fused: number; layers: number } {
  const models = { fused: build(true), layers: build(false) };
  const x = tf.tensor2d([[5]], [1, 1], 'int32');
  const per: Record<string, number[]> = { fused: [], layers: [] };
  for (let round = 0; round < 6; round++) {
    for (const [name, m] of Object.entries(models)) {
      const t0 = performance.now();
      for (let c = 0; c < chars; c++) tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync());
      if (round > 0) per[name].push((performance.now() - t0) / chars);
    }
  }
  x.dispose();
  for (const m of Object.values(models)) m.dispose();
  return { fused: median(per.fused), layers: median(per.layers) };
}

/** The jigs' vocabulary when the data is here (no download), else printable ASCII and newline. */
async function vocabulary(): Promise<{ vocab: Vocabulary; name: string }> {
  const { data } = await loadRunConfig(join(experiments, 'seed-replica.yaml'));
  try {
    const corpus = await loadCorpus(data, {
      fetch: async () => {
        throw new Error('the sample bench does not download');
      },
    });
    const vocab = Vocabulary.build(corpus, 'char');
    return { vocab, name: `${corpus.name} (${vocab.size} symbols)` };
  } catch {
    const text = `\n${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}`;
    const vocab = Vocabulary.build(text, 'char');
    return { vocab, name: `printable ASCII and newline (${vocab.size} symbols; the Nottingham data was not found)` };
  }
}

interface ModeFigures {
  ms_per_tune: number;
  ms_per_char: number;
  chars_per_tune: number;
  complete_share: number;
  masked_mass_mean: number;
}

/** `count` tunes from one stream: wall time, characters generated (after the prime) and the tunes. */
async function drawTunes(sampler: Sampler, mode: Mode, count: number, maxLength: number): Promise<{ ms: number; chars: number; tunes: SampledTune[] }> {
  const tunes: SampledTune[] = [];
  const t0 = performance.now();
  for await (const tune of sampler.stream({ seed: 1, prime: 'X:', maxLength, constrain: mode })) {
    tunes.push(tune);
    if (tunes.length === count) break;
  }
  const ms = performance.now() - t0;
  return { ms, chars: tunes.reduce((a, t) => a + t.text.length - 'X:'.length, 0), tunes };
}

/** Part 2 for one model: the modes round by round, medians over the rounds after the warm-up. */
async function modes(name: string, model: ModelConfig, vocab: Vocabulary, opts: { tunes: number; maxLength: number; rounds: number }) {
  const spec = specFromConfig(model);
  const trainModel = buildModel(spec, vocab.size, { batchSize: 1, seqLen: null, seed: 1 });
  const sampler = Sampler.fromModel(trainModel, spec, vocab, 1);
  disposeModel(trainModel);
  const runs: Record<Mode, { ms: number; chars: number; tunes: SampledTune[] }[]> = { off: [], syntax: [], meter: [] };
  try {
    for (let round = 0; round <= opts.rounds; round++) {
      for (const mode of MODES) {
        const r = await drawTunes(sampler, mode, opts.tunes, opts.maxLength);
        if (round > 0) runs[mode].push(r);
      }
    }
  } finally {
    sampler.dispose();
  }
  const figures = Object.fromEntries(
    MODES.map((mode) => {
      const rs = runs[mode];
      const tunes = rs[0].tunes; // the same tunes every round (same seed)
      const f: ModeFigures = {
        ms_per_tune: median(rs.map((r) => r.ms / opts.tunes)),
        ms_per_char: median(rs.map((r) => r.ms / Math.max(1, r.chars))),
        chars_per_tune: rs[0].chars / opts.tunes,
        complete_share: tunes.filter((t) => t.complete).length / tunes.length,
        masked_mass_mean: tunes.reduce((a, t) => a + t.maskedMassMean, 0) / tunes.length,
      };
      log(
        `${name.padEnd(10)} ${mode.padEnd(6)} ${f.ms_per_tune.toFixed(1).padStart(8)} ms/tune  ${f.ms_per_char.toFixed(3)} ms/char  ` +
          `${f.chars_per_tune.toFixed(0).padStart(4)} chars/tune  ${(100 * f.complete_share).toFixed(0)}% complete  ${(100 * f.masked_mass_mean).toFixed(1)}% masked`,
      );
      return [mode, f];
    }),
  ) as Record<Mode, ModeFigures>;
  return {
    ...figures,
    meter_over_off: figures.meter.ms_per_tune / figures.off.ms_per_tune,
    meter_over_off_per_char: figures.meter.ms_per_char / figures.off.ms_per_char,
  };
}

function intFlag(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${flag}: expected a positive integer, but got ${JSON.stringify(args[i + 1])}`);
  return v;
}

export async function main(args: string[]): Promise<void> {
  const chars = intFlag(args, '--chars', 30);
  const opts = { tunes: intFlag(args, '--tunes', 3), maxLength: intFlag(args, '--max-length', 400), rounds: intFlag(args, '--rounds', 3) };
  const engine = await selectEngine('cpu');
  log(`engine: ${engineLine(engine)}`);

  const step = perChar(chars);
  log(`fused ${step.fused.toFixed(2)} ms/char, tfjs-layers ${step.layers.toFixed(2)} ms/char (cpu backend)`);

  const { vocab, name: vocabName } = await vocabulary();
  const seedModel = (await loadRunConfig(join(experiments, 'seed-replica.yaml'))).model;
  const quickstartModel = (await loadSweepConfig(join(experiments, 'quickstart.yaml'))).base.model;
  log(`tunes: ${opts.tunes} per mode and round, max length ${opts.maxLength}, seed 1, ${opts.rounds} rounds after a warm-up; random weights; vocabulary ${vocabName}`);
  const seed = await modes('seed', seedModel, vocab, opts);
  const quickstart = await modes('quickstart', quickstartModel, vocab, opts);
  log(`meter / off per tune: seed ${seed.meter_over_off.toFixed(2)}, quickstart ${quickstart.meter_over_off.toFixed(2)}`);

  if (args.includes('--json')) {
    const result = {
      fused_ms_per_char: step.fused,
      layers_ms_per_char: step.layers,
      ratio: step.fused / step.layers,
      modes: { seed, quickstart },
      weights: 'random (untrained), built from each spec',
      vocabulary: vocabName,
      tunes_per_mode: opts.tunes,
      max_length: opts.maxLength,
      rounds: opts.rounds,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
