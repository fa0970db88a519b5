import type { RunConfig } from './types';

/**
 * The sweep config: W&B sweep keys on top of a base run config. Parameter names are dotted paths into the
 * run config (`train.optimizer.lr`); every trial is the base with its parameter values applied.
 */

export type ParameterValue = number | string | boolean | null | ParameterValue[] | { [k: string]: ParameterValue };

export type ParameterSpec =
  | { kind: 'constant'; value: ParameterValue }
  | { kind: 'categorical'; values: ParameterValue[] }
  | { kind: 'int_uniform'; min: number; max: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'log_uniform_values'; min: number; max: number }
  | { kind: 'q_uniform'; min: number; max: number; q: number };

export type SearchMethod = 'grid' | 'random' | 'bayes';

export interface MetricGoal {
  name: string;
  goal: 'minimize' | 'maximize';
}

/** One objective of a sweep: a metric and its goal (a sweep's `metric` list holds one or more). */
export type Objective = MetricGoal;

export type EarlyTerminate =
  | { type: 'asha'; resource?: 'epochs'; min_iter: number; eta: number; max_iter?: number }
  /** ASHA whose rungs are characters trained on (the `characters` metric), not epochs. */
  | { type: 'asha'; resource: 'characters'; min_resource: number; eta: number; max_resource?: number }
  | { type: 'median'; min_iter: number; warmup_trials: number };

export interface SweepConfig {
  name: string;
  description?: string;
  method: SearchMethod;
  /**
   * The first objective: what "best" means everywhere (the trainer's best checkpoint, the best trial,
   * retention, `promote --best`, early termination). With one objective it is the only one.
   */
  metric: MetricGoal;
  /**
   * Every objective, the first being `metric`, when the file wrote `metric` as a list; absent for a single
   * mapping (such a config, and a stored sweep without the field, reads as one objective).
   * Read it through `objectivesOf`, which answers `[metric]` when it is absent.
   */
  objectives?: MetricGoal[];
  /** Most trials to run; required for random/bayes, caps grid. */
  run_cap: number;
  /** Worker threads on this machine. */
  parallel: number;
  seed: number;
  early_terminate?: EarlyTerminate;
  /** Stop proposing trials after this many minutes (0 = no limit). */
  max_minutes: number;
  /** Times a failed trial is run again before it counts as failed. */
  retries: number;
  keep_checkpoints: { best: number; last: number };
  /** Dotted path → spec, in file order. */
  parameters: Record<string, ParameterSpec>;
  /** The run config every trial starts from. */
  base: RunConfig;
}

/**
 * A sweep's objectives, first = `metric`: the one normalized view of `metric` (a mapping or a list in YAML)
 * that multi-objective code reads. A config without `objectives` (a single mapping, or a sweep stored before
 * lists existed) has the one objective `metric`.
 */
export function objectivesOf(config: Pick<SweepConfig, 'metric' | 'objectives'>): MetricGoal[] {
  return config.objectives && config.objectives.length > 0 ? config.objectives : [config.metric];
}
