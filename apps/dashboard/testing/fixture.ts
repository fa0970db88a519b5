import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig, SweepConfig } from '@tunelab/config';
import { openStore, type Store, type TrialStatus } from '@tunelab/store';
import type { TuneGenerator, TuneScorer } from '../src/server/generation';
import type { HumanTuneProvider } from '../src/server/human-tunes';
import { buildApp, type DashboardOptions } from '../src/server/app';
import type { FastifyInstance } from 'fastify';

export interface FixtureOptions {
  trials?: number;
  /** Epochs (metric points) per trial. */
  points?: number;
  metrics?: readonly string[];
  /** Leave the last trial running (for polling). */
  running?: boolean;
  testSplit?: number;
}

export interface Fixture {
  home: string;
  dbPath: string;
  store: Store;
  sweepId: string;
  trialIds: string[];
  /** Every trial's checkpoint ids (periodic + best). */
  checkpointIds: string[];
  cleanup(): Promise<void>;
}

const runConfig = (lr: number, layers: number[], test: number): RunConfig => ({
  data: { corpus: 'nottingham', files: ['jigs'], preprocessing: 'raw', vocabulary: 'char', split: { val: 0.1, test, seed: 1 } },
  model: { cell: 'lstm', embedding_dim: 64, layers, dropout: 0.2 },
  train: {
    epochs: 20,
    batch_size: 16,
    seq_len: 64,
    batching: 'stateful',
    optimizer: { name: 'adam', lr },
    clip_norm: 5,
    checkpoint_every: 5,
    seed: 1,
    backend: 'cpu',
    max_minutes: 0,
  },
});

/**
 * A temp SQLite store holding one sweep shaped like a real one: trials of an lr × width search with
 * learning curves that fall then overfit, one failed and one pruned trial, checkpoints with metrics.
 * Written through @tunelab/store's API, as the sweeper writes it.
 */
export async function makeFixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const home = mkdtempSync(join(tmpdir(), 'tunelab-dash-'));
  const store = await openStore({ home });
  const trials = opts.trials ?? 6;
  const points = opts.points ?? 20;
  const metricNames = opts.metrics ?? ['loss', 'val_loss', 'val_accuracy'];
  const test = opts.testSplit ?? 0;
  const base = runConfig(0.002, [128, 128], test);
  const config: SweepConfig = {
    name: 'jigs-lr-width',
    method: 'random',
    metric: { name: 'val_loss', goal: 'minimize' },
    run_cap: trials,
    parallel: 2,
    seed: 42,
    max_minutes: 0,
    retries: 0,
    keep_checkpoints: { best: 1, last: 1 },
    parameters: {
      'train.optimizer.lr': { kind: 'log_uniform_values', min: 0.0003, max: 0.01 },
      'model.layers': { kind: 'categorical', values: [[128], [128, 128], [256, 256]] },
    },
    base,
  } as SweepConfig;
  const sweep = await store.createSweep({ config, configYaml: 'name: jigs-lr-width\nmethod: random\nmetric: {name: val_loss, goal: minimize}\n' });
  await store.updateSweepStatus(sweep.id, 'running');
  const trialIds: string[] = [];
  const checkpointIds: string[] = [];
  const widths = [[128], [128, 128], [256, 256]];
  for (let i = 0; i < trials; i++) {
    const lr = 0.0003 * Math.pow(33, (i * 0.37) % 1);
    const layers = widths[i % 3];
    const t = await store.createTrial({
      sweepId: sweep.id,
      number: i,
      params: { 'train.optimizer.lr': lr, 'model.layers': layers },
      config: runConfig(lr, layers, test),
      seed: 1000 + i,
    });
    trialIds.push(t.id);
    await store.updateTrial(t.id, { status: 'running', worker: 'host:1:0', appendLog: `trial ${i} starts\n` });
    const failed = i === 2 && trials > 3;
    const pruned = i === 3 && trials > 3;
    const running = opts.running === true && i === trials - 1;
    const n = failed ? 3 : pruned ? Math.ceil(points / 3) : running ? Math.ceil(points / 2) : points;
    const rows = [];
    let best = Infinity;
    let bestStep = 0;
    const floor = 1.0 + 0.15 * Math.abs(Math.log(lr / 0.002)) + (layers.length === 1 ? 0.1 : 0);
    for (let step = 1; step <= n; step++) {
      const train = floor + 2.2 * Math.exp(-step / (points / 6)) - 0.2 * (step / points);
      const val = floor + 2.2 * Math.exp(-step / (points / 6)) + 0.3 * Math.max(0, step / points - 0.5) ** 2;
      const values: Record<string, number> = { loss: train, val_loss: val, val_accuracy: 1 - val / 4 };
      for (const name of metricNames) rows.push({ trialId: t.id, name, step, value: values[name] ?? Math.sin(step + i), time: 1_700_000_000_000 + step * 1000 });
      if (val < best) {
        best = val;
        bestStep = step;
      }
    }
    for (let k = 0; k < rows.length; k += 5000) await store.appendMetrics(rows.slice(k, k + 5000));
    const every = Math.max(1, Math.floor(points / 4));
    for (let e = every; e <= n; e += every) {
      const c = await store.addCheckpoint({ trialId: t.id, epoch: e, kind: 'periodic', path: join(home, 'checkpoints', t.id, `epoch-${e}`), metrics: { val_loss: floor + 2.2 * Math.exp(-e / (points / 6)) } });
      checkpointIds.push(c.id);
    }
    const bestCkpt = await store.addCheckpoint({ trialId: t.id, epoch: bestStep, kind: 'best', path: join(home, 'checkpoints', t.id, `epoch-${bestStep}`), metrics: { val_loss: best } });
    checkpointIds.push(bestCkpt.id);
    const status: TrialStatus = failed ? 'failed' : pruned ? 'pruned' : running ? 'running' : 'completed';
    await store.updateTrial(t.id, {
      status,
      bestValue: best,
      bestStep,
      bestCheckpointId: bestCkpt.id,
      failureReason: failed ? 'loss became NaN at epoch 3 (lr too high?)' : null,
      pruneReason: pruned ? 'ASHA: val_loss 2.41 in the bottom 2/3 at rung 5' : null,
      appendLog: `epoch ${n}: val_loss ${best.toFixed(3)}\n${failed ? 'Error: loss became NaN\n' : ''}`,
    });
  }
  if (!opts.running) await store.updateSweepStatus(sweep.id, 'completed');
  return {
    home,
    dbPath: join(home, 'tunelab.db'),
    store,
    sweepId: sweep.id,
    trialIds,
    checkpointIds,
    async cleanup() {
      await store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

const JIG_LINES = ['|:A2B c2d|e2f g2a|', '|bag e2d|cBA B2G|', '|A2B c2e|d2B A3:|', '|:e2f g2e|d2B G2B|', '|c2A B2G|A3 A3:|'];

/** Four lines of music in `meter` (quavers, L:1/8), different per seed: the jig lines for 6/8 or no meter. */
function fakeBody(meter: string | null, s: number): string {
  const m = meter === 'C' ? [4, 4] : meter === 'C|' ? [2, 2] : /^(\d+)\/(\d+)$/.exec(meter ?? '')?.slice(1).map(Number);
  const units = m ? (8 * m[0]) / m[1] : NaN;
  if (!m || meter === '6/8' || !Number.isInteger(units)) return Array.from({ length: 4 }, (_, k) => JIG_LINES[(s + k) % JIG_LINES.length]).join('\n');
  const notes = 'DEFGABcdefg';
  const bar = (b: number) => Array.from({ length: units }, (_, k) => notes[(s + 3 * b + k) % notes.length]).join('');
  return Array.from({ length: 4 }, (_, l) => `${bar(2 * l)}|${bar(2 * l + 1)}${l === 3 ? '|]' : '|'}`).join('\n');
}

/**
 * A generator that writes small, valid jigs from the seed (no model needed; tunes in the meter asked for); the settings it was given
 * appear in the title so tests can see them arrive. The masked mass is made up: 0 with `constrain: off`,
 * else 1% (meter) or 0.5% (syntax) per tune; no tune is ever a redraw.
 */
export function fakeGenerator(): TuneGenerator & { calls: number } {
  const gen = {
    calls: 0,
    async generate(job: Parameters<TuneGenerator['generate']>[0]) {
      gen.calls++;
      const { n, seed, temperature, constrain } = job.settings;
      const mass = { meter: 0.01, syntax: 0.005, off: 0 }[constrain];
      return Array.from({ length: n }, (_, i) => {
        const s = seed + i;
        const body = fakeBody(job.settings.meter ?? null, s);
        const text = `X:${i + 1}\nT:Sample ${s} at T=${temperature}\nM:${job.settings.meter ?? '6/8'}\nL:1/8\nK:D\n${job.settings.prime ?? ''}${body}\n`;
        return { text, maskedMassMean: mass, maskedMassMax: 4 * mass, redraws: 0 };
      });
    },
  };
  return gen;
}

/** A scorer that needs no corpus: every tune valid and novel. */
export function fakeScorer(): TuneScorer {
  return {
    async score(tunes) {
      return tunes.map(() => ({
        valid: true,
        barsOk: true,
        headerOk: true,
        errorCodes: [],
        abc2midiClean: null,
        novelty: { lcs: 12, lcsShare: 0.2, copy: false, nearest: 'jigs.abc#3', bars: 16, barsInReference: 5 },
      }));
    },
  };
}

/** The player name of the fake human tunes (as corpusHumanTunes names the Nottingham jigs' test split). */
export const FAKE_HUMAN_SOURCE = 'human:nottingham-jigs-test';

/**
 * Held-out human tunes without a corpus: three titled jigs in 6/8 and one reel in 4/4, as the test split of
 * every sweep. Their titles and composers let tests see that blind pairs hide them.
 */
export function fakeHumanTunes(): HumanTuneProvider {
  const tunes = [
    'X:1\nT:The Humans\' Jig\nC:Trad.\nM:6/8\nL:1/8\nK:G\n|:GAB cde|dBG A2D|GAB cde|dBA G3:|\n',
    'X:2\nT:Held Out\nM:6/8\nL:1/8\nK:D\n|:dfa afd|ecA A2e|dfa afd|ecA d3:|\n',
    'X:3\nT:A Reel\nM:4/4\nL:1/8\nK:D\n|:DFAF DFAF|GBdB GBdB:|\n',
    'X:4\nT:Third Jig\nO:Nottingham\nM:6/8\nL:1/8\nK:A\n|:ABc BAF|EFA AFE|ABc BAF|EFA A3:|\n',
  ];
  return async () => ({ source: FAKE_HUMAN_SOURCE, tunes });
}

/**
 * The dashboard over a fixture as it is served: GETs on a read-only connection, writes through the fixture's
 * writable store, the fake generator and scorer unless `overrides` says otherwise, no UI. `close` closes the
 * app and its reader (the fixture's own cleanup stays the caller's).
 */
export async function serveFixture(f: Fixture, overrides: Partial<DashboardOptions> = {}): Promise<{ app: FastifyInstance; reader: Store; close(): Promise<void> }> {
  const reader = await openStore({ home: f.home }, { readonly: true });
  const app = await buildApp({ reader, writer: async () => f.store, generator: fakeGenerator(), scorer: fakeScorer(), uiDir: null, ...overrides });
  return {
    app,
    reader,
    async close() {
      await app.close();
      await reader.close();
    },
  };
}
