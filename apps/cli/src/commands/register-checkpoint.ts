import { createHash } from 'node:crypto';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError, parseSweepConfig, runConfigToYaml } from '@tunelab/config';
import type { CheckpointMeta } from '@tunelab/model';
import type { CheckpointKind, CheckpointRow, Store, TrialRow } from '@tunelab/store';
import * as lazy from '../lazy';

export interface RegisteredCheckpoint {
  sweepId: string;
  trialId: string;
  checkpoint: CheckpointRow;
  /** Whether this call wrote the sweep (false: the run folder was registered before and its rows are reused). */
  createdSweep: boolean;
  /** Whether this call wrote the checkpoint row. */
  createdCheckpoint: boolean;
}

/** The sweep id of a run folder: `sw-` and six hex digits of its real path, so registering it again finds it. */
export function registeredSweepId(runFolder: string): string {
  return `sw-${createHash('sha256').update(runFolder).digest('hex').slice(0, 6)}`;
}

/**
 * Registers a checkpoint folder written by `tunelab train` (no sweep) in the store, so it can be promoted
 * like any sweep's checkpoint. `meta` is what verifyCheckpoint returned for `dir`.
 *
 * Representation: the run becomes a one-trial sweep. The store has no other home for a checkpoint row (every
 * checkpoint belongs to a trial, every trial to a sweep), and a one-trial sweep is exactly what a sweep of
 * the run's config with no parameters would have been, so nothing new is needed in the store's schema or
 * queries, and everything that reads sweeps (the dashboard, `sweep status`, `promote --sweep … --best`,
 * retention, `sweep delete`) shows it as it shows any sweep:
 *   - sweep `sw-<hash of the run folder's real path>`, named after the run id: method grid, run_cap 1, no
 *     parameters, the run config as its base and the run's objective (tunelab.json's state.bestMetric and
 *     bestGoal) as its metric; the YAML stored is a sweep file that re-runs it. Status completed.
 *   - trial 0 with the run config and seed, taken queued → running → completed (allowed transitions only);
 *     its best value, step and checkpoint: the best by the metric among the run's registered checkpoints.
 *   - one checkpoint row per registered epoch folder, with the folder's path (and, on a store without a
 *     checkpoint folder, its files) and the epoch's metrics; its kind as the sweeper chooses it.
 *   - the metrics of every epoch folder of the run still on disk, at step = epoch, as trials write them.
 * The id comes from the run folder, so the same folder registered twice reuses every row (idempotent), and
 * other epochs of the same run join the same sweep and trial.
 */
export async function registerCheckpointFolder(store: Store, dir: string, meta: CheckpointMeta): Promise<RegisteredCheckpoint> {
  const folder = await realpath(dir);
  const runFolder = dirname(folder);
  const sweepId = registeredSweepId(runFolder);
  const metric = { name: meta.state.bestMetric, goal: meta.state.bestGoal ?? 'minimize' };

  let createdSweep = false;
  let sweep = await store.getSweep(sweepId);
  if (!sweep) {
    const configYaml = [
      `# Registered by tunelab promote --checkpoint from the standalone run in ${JSON.stringify(runFolder)}: one run, no search.`,
      `name: ${JSON.stringify(meta.runId)}`,
      'method: grid',
      `metric: { name: ${metric.name}, goal: ${metric.goal} }`,
      'run_cap: 1',
      `seed: ${meta.seed}`,
      'parameters: {}',
      runConfigToYaml(meta.config),
    ].join('\n');
    const config = parseSweepConfig(configYaml, join(runFolder, 'sweep.yaml'));
    try {
      sweep = await store.createSweep({ id: sweepId, name: meta.runId, config, configYaml, status: 'running' });
      createdSweep = true;
    } catch (err) {
      // Another promote of the same run created it meanwhile.
      sweep = await store.getSweep(sweepId);
      if (!sweep) throw err;
    }
  }
  if (sweep.name !== meta.runId || sweep.method !== 'grid' || sweep.config.run_cap !== 1 || Object.keys(sweep.config.parameters).length > 0) {
    throw new InputError(`sweep ${sweepId} in the store is not the registration of run ${meta.runId} (it is ${JSON.stringify(sweep.name)})`, dir);
  }

  const [{ readCheckpointFiles }] = await Promise.all([lazy.store()]);
  let trial: TrialRow | null = (await store.listTrials(sweepId))[0] ?? null;
  trial ??= await store.createTrial({ sweepId, number: 0, params: {}, config: meta.config, seed: meta.seed, status: 'queued' });
  if (trial.status === 'queued') trial = (await store.updateTrial(trial.id, { status: 'running', worker: 'tunelab promote --checkpoint' }))!;

  // The metrics of the run's epochs still on disk (appendMetrics leaves rows already there as they are).
  const epochs = await runEpochs(runFolder, meta.runId);
  if (!epochs.some((e) => e.epoch === meta.epoch)) epochs.push({ epoch: meta.epoch, metrics: meta.metrics });
  await store.appendMetrics(
    epochs.flatMap((e) => Object.entries(e.metrics).filter(([, v]) => typeof v === 'number').map(([name, value]) => ({ trialId: trial.id, name, step: e.epoch, value }))),
  );

  let createdCheckpoint = false;
  const rows = await store.listCheckpoints({ trialId: trial.id });
  let checkpoint = rows.find((c) => c.path === folder) ?? null;
  if (!checkpoint) {
    const kind: CheckpointKind = meta.kinds.includes('best') ? 'best' : meta.kinds.includes('last') ? 'last' : 'periodic';
    const files = store.info.checkpointDir === null ? await readCheckpointFiles(folder) : undefined;
    checkpoint = await store.addCheckpoint({ trialId: trial.id, epoch: meta.epoch, kind, path: folder, metrics: meta.metrics, files });
    createdCheckpoint = true;
    rows.push(checkpoint);
  }

  // The trial's best: the best registered checkpoint by the sweep's metric.
  const sign = sweep.metricGoal === 'maximize' ? -1 : 1;
  const scored = rows.filter((c) => Number.isFinite(c.metrics[sweep.metricName]));
  const best = scored.sort((a, b) => sign * (a.metrics[sweep.metricName] - b.metrics[sweep.metricName]) || b.epoch - a.epoch)[0];
  await store.updateTrial(trial.id, {
    status: 'completed',
    bestValue: best ? best.metrics[sweep.metricName] : null,
    bestStep: best ? best.epoch : null,
    bestCheckpointId: best ? best.id : null,
    ...(trial.status === 'completed' ? {} : { appendLog: `registered ${basename(runFolder)}/${basename(folder)} from ${runFolder}\n` }),
  });
  if (sweep.status !== 'completed') await store.updateSweepStatus(sweepId, 'completed');
  return { sweepId, trialId: trial.id, checkpoint, createdSweep, createdCheckpoint };
}

/** Every `epoch-<n>` folder of the run with a readable tunelab.json of the same run: its epoch and metrics. */
async function runEpochs(runFolder: string, runId: string): Promise<{ epoch: number; metrics: Record<string, number> }[]> {
  const out: { epoch: number; metrics: Record<string, number> }[] = [];
  for (const name of await readdir(runFolder)) {
    if (!/^epoch-\d+$/.test(name)) continue;
    try {
      const m = JSON.parse(await readFile(join(runFolder, name, 'tunelab.json'), 'utf8')) as Partial<CheckpointMeta>;
      if (m.runId === runId && typeof m.epoch === 'number' && m.metrics) out.push({ epoch: m.epoch, metrics: m.metrics });
    } catch {
      // A folder being written or broken: its metrics are left out.
    }
  }
  return out.sort((a, b) => a.epoch - b.epoch);
}
