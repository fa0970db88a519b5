import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { resolveHome } from '@tunelab/config';
import type { Backend } from '@tunelab/config';
import type { TrainEvent } from '@tunelab/model';
import * as lazy from '../lazy';
import { log, printJson, say, UsageError } from '../output';
import { backendOption, loadConfigFile, positiveInt } from './model';

interface TrainCliOptions {
  config: string;
  epochs?: number;
  backend?: Backend;
  home?: string;
  runId?: string;
  resume?: string;
  dataDir?: string;
  bestBy?: string;
  bestGoal?: 'minimize' | 'maximize';
  json?: boolean;
}

const fmt = (v: number | undefined, digits = 4) => (v === undefined ? '-' : v.toFixed(digits));

/**
 * A new run's folder under `<home>/checkpoints`, made here so that two runs started in the same second (its
 * default name's resolution) never write into one folder: `stem`, else `stem-2`, `stem-3`, … The folder is
 * created with `mkdir` without `recursive`, which fails when it exists, so the claim holds across processes.
 */
export function claimRunId(home: string, stem: string): string {
  const root = join(home, 'checkpoints');
  mkdirSync(root, { recursive: true });
  for (let n = 1; ; n++) {
    const id = n === 1 ? stem : `${stem}-${n}`;
    try {
      mkdirSync(join(root, id));
      return id;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** `tunelab train` */
export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description('Train one run config; checkpoints go under <home>/checkpoints/<run-id>/epoch-<n>/.')
    .requiredOption('--config <yaml>', 'a run config, or a sweep config (its base is used)')
    .option('--epochs <n>', 'override train.epochs', positiveInt('--epochs'))
    .addOption(backendOption())
    .option('--home <dir>', 'tunelab state folder (default: TUNELAB_HOME, else .tunelab at the workspace root)')
    .option('--run-id <id>', 'checkpoint folder name (default: train-<date>-<time>)')
    .addOption(new Option('--resume <checkpoint-dir>', 'continue from a checkpoint of this run (weights, optimizer, epoch)'))
    .option('--data-dir <dir>', 'folder holding the named corpus files (else TUNELAB_DATA_DIR, the cache, a download)')
    .option('--best-by <metric>', 'the metric whose best epoch is the best checkpoint, e.g. val_bpc_jigs (default val_loss)')
    .addOption(new Option('--best-goal <goal>', 'whether --best-by is minimized or maximized').choices(['minimize', 'maximize']).default('minimize'))
    .option('--json', 'print the result as one JSON document on stdout')
    .action(async (opts: TrainCliOptions) => {
      if (opts.bestBy !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.bestBy)) {
        throw new UsageError(`--best-by: expected a metric name such as val_bpc_jigs, but got ${JSON.stringify(opts.bestBy)}`);
      }
      const objective = opts.bestBy ? { name: opts.bestBy, goal: opts.bestGoal ?? 'minimize' } : undefined;
      const { config } = await loadConfigFile(opts.config);
      if (opts.epochs) config.train.epochs = opts.epochs;
      if (opts.backend) config.train.backend = opts.backend;
      const home = resolveHome(opts.home);
      const [{ loadCheckpoint, train }, { createSampleEvaluator }, cliProgress] = await Promise.all([lazy.model(), lazy.evaluation(), lazy.cliProgress()]);
      // A resumed run keeps writing under its own run id unless told otherwise.
      const resumedId = opts.resume ? (await loadCheckpoint(opts.resume)).meta.runId : undefined;
      const runId = opts.runId ?? resumedId ?? claimRunId(home, `train-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`);

      // Ctrl-C stops between batches; checkpoints already written stay.
      const ac = new AbortController();
      const onSigint = () => ac.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      const bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: 'epoch {epoch}/{epochs} |{bar}| {value}/{total} batches | loss {loss} | {speed} chars/s', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      let epochs = config.train.epochs;
      let batchesPerEpoch = 0;
      let epochStart = Date.now();
      let barRunning = false;
      const onEvent = (e: TrainEvent) => {
        if (e.type === 'log') log(e.line);
        else if (e.type === 'start') {
          epochs = e.epochs;
          batchesPerEpoch = e.batchesPerEpoch;
          log(`run ${runId}: ${e.params.toLocaleString('en-US')} parameters, ${e.batchesPerEpoch} batches per epoch, home ${home}`);
        } else if (e.type === 'batch') {
          if (!barRunning) {
            epochStart = Date.now();
            bar.start(batchesPerEpoch, 0, { epoch: e.epoch, epochs, loss: '-', speed: '-' });
            barRunning = true;
          }
          const chars = (e.batch + 1) * config.train.batch_size * config.train.seq_len;
          bar.update(e.batch + 1, { loss: fmt(e.loss), speed: Math.round(chars / Math.max(1e-3, (Date.now() - epochStart) / 1000)) });
        } else if (e.type === 'epoch') {
          if (barRunning) bar.stop();
          barRunning = false;
          const m = e.metrics;
          log(
            `epoch ${e.epoch}: loss ${fmt(m.loss)} acc ${fmt(m.accuracy, 3)} | val_loss ${fmt(m.val_loss)} val_acc ${fmt(m.val_accuracy, 3)} ` +
              `val_bpc ${fmt(m.val_bpc, 3)}${m.val_bpc_jigs === undefined ? '' : ` val_bpc_jigs ${fmt(m.val_bpc_jigs, 3)}`}` +
              `${m.test_bpc_jigs === undefined ? '' : ` test_bpc_jigs ${fmt(m.test_bpc_jigs, 3)}`} | ${Math.round(m.chars_per_sec)} chars/s, ${m.seconds.toFixed(1)} s`,
          );
        } else if (e.type === 'checkpoint') {
          log(`checkpoint (${e.kinds.join(', ')}): ${e.dir}`);
          // A best checkpoint that a newer best replaces, and that is neither periodic nor last, is only
          // disk: the seed recipe improves on most of its first ~25 epochs (22 MB each).
          if (e.kinds.includes('best')) {
            if (supersededBest) {
              rmSync(supersededBest, { recursive: true, force: true });
              removed.add(supersededBest);
            }
            supersededBest = e.kinds.length === 1 ? e.dir : null;
          }
        }
      };
      let supersededBest: string | null = null;
      const removed = new Set<string>();
      try {
        // With an `eval` block, samples are scored every `eval.every` epochs into that epoch's metrics.
        const evaluateSamples = config.eval ? createSampleEvaluator() : undefined;
        const result = await train({
          config,
          runId,
          home,
          signal: ac.signal,
          resumeFrom: opts.resume,
          onEvent,
          evaluateSamples,
          dataOptions: { dataDir: opts.dataDir, onProgress: log },
          ...(objective ? { objective } : {}),
        });
        if (opts.json) {
          printJson({ home, ...result, checkpoints: result.checkpoints.filter((c) => !removed.has(c.dir)) });
          return;
        }
        say(false, `done: ${result.epochs} epochs on ${result.engine.name}, ${Math.round(result.charsPerSec)} chars/s`);
        if (result.best) say(false, `best: epoch ${result.best.epoch}, ${result.best.metric} ${fmt(result.best.value)} → ${result.best.dir ?? '(earlier run)'}`);
      } catch (err) {
        if ((err as Error).name === 'AbortError') {
          log('tunelab: training interrupted; checkpoints written so far are kept');
          process.exitCode = 130;
          return;
        }
        throw err;
      } finally {
        if (barRunning) bar.stop();
        process.removeListener('SIGINT', onSigint);
      }
    });
}
