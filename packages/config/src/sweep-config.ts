import { basename, extname } from 'node:path';
import { ConfigError, describeValue, IssueList, type PathSegment } from './issues';
import { checkParameters } from './parameter-spec';
import { checkSweepModelMemory } from './model-memory';
import { valueCount } from './parameter-values';
import { checkRunConfig, readConfigFile } from './run-config';
import {
  anyInt,
  block,
  checkBlock,
  isPlainObject,
  leaf,
  nonEmptyString,
  nonNegative,
  nonNegativeInt,
  oneOf,
  positive,
  positiveInt,
} from './run-schema';
import type { EarlyTerminate, MetricGoal, SweepConfig } from './sweep-types';
import { readYaml } from './yaml-source';

/**
 * The sweep file: W&B's sweep keys (name, method, metric, run_cap, early_terminate, parameters) at the top,
 * next to the run config's data/model/train/eval blocks, which are the base every trial starts from.
 */

const RUN_BLOCKS = ['data', 'model', 'train', 'eval'];

const METHODS = ['grid', 'random', 'bayes'];

/** Sweep keys checked by the generic block checker; early_terminate and parameters have their own. */
const SWEEP_SCHEMA = block({
  name: nonEmptyString(),
  description: leaf('a string', (v) => typeof v === 'string'),
  method: oneOf(...METHODS),
  run_cap: positiveInt(),
  parallel: positiveInt(),
  seed: anyInt(),
  max_minutes: nonNegative(),
  retries: nonNegativeInt(),
  keep_checkpoints: block({ best: nonNegativeInt(), last: nonNegativeInt() }),
});

/** One objective: a mapping `{ name, goal }`, alone under `metric` or as an item of its list. */
const OBJECTIVE = block({
  // Metric names are what the trainer and evaluators report (val_loss, bar_ok_rate, …): identifiers.
  name: leaf('a non-empty identifier (letters, digits, _)', (v) => typeof v === 'string' && /^[A-Za-z_]\w*$/.test(v)),
  goal: oneOf('minimize', 'maximize'),
});
// W&B's default goal.
const OBJECTIVE_DEFAULTS = { goal: 'minimize' };

const EARLY_TERMINATE = {
  asha: block({
    type: oneOf('asha', 'median'),
    min_iter: positiveInt(),
    eta: leaf('a number > 1', (v) => typeof v === 'number' && Number.isFinite(v) && v > 1),
    max_iter: positiveInt(),
    resource: oneOf('epochs', 'characters'),
    min_resource: positive(),
    max_resource: positive(),
  }),
  median: block({ type: oneOf('asha', 'median'), min_iter: positiveInt(), warmup_trials: nonNegativeInt() }),
};
// W&B's hyperband default eta is 3; Optuna's MedianPruner waits for 5 finished trials.
const EARLY_TERMINATE_DEFAULTS = {
  asha: { type: 'asha', min_iter: 1, eta: 3 },
  median: { type: 'median', min_iter: 1, warmup_trials: 5 },
};

/**
 * Parses a sweep config from YAML. Required: `method`, `metric.name` and `parameters` (a mapping; it may be
 * empty); `run_cap` too for random and bayes (for grid it defaults to the number of grid points). `metric`
 * may instead be a list of `{ name, goal }` (a multi-objective sweep; names unique): the config then carries
 * them as `objectives`, and `metric` is the first. Defaults:
 * `name` = the file's base name (else `sweep`), `metric.goal: minimize` (W&B's default), `parallel: 1`,
 * `seed: 1`, `max_minutes: 0` (no limit), `retries: 0`, `keep_checkpoints: { best: 1, last: 1 }`; ASHA
 * `min_iter: 1, eta: 3`; median `min_iter: 1, warmup_trials: 5`. The base fills unwritten keys with the run
 * config defaults.
 *
 * Every problem is collected and thrown as one ConfigError (an InputError), one per line, in file order:
 * `sweep.yaml: parameters.train.optimizer.lr.min (line 31): expected a number > 0, got "abc"`. A run config
 * (no method, metric or parameters) is refused with a pointer to `tunelab train`.
 */
export function parseSweepConfig(yamlText: string, file?: string): SweepConfig {
  const source = readYaml(yamlText, file);
  const issues = new IssueList(source.lineOf);
  const top = source.value === undefined ? {} : source.value;
  if (!isPlainObject(top)) {
    throw new ConfigError([{ path: '', message: `expected a mapping (a sweep config), got ${describeValue(top)}` }], file);
  }
  if (!('method' in top) && !('metric' in top) && !('parameters' in top) && RUN_BLOCKS.some((k) => k in top)) {
    const how = file ? `tunelab train --config ${file}` : 'tunelab train';
    throw new ConfigError(
      [{ path: '', message: `this is a run config (no method, metric or parameters), not a sweep config; run it with "${how}"` }],
      file,
    );
  }

  const defaults = {
    name: file ? basename(file, extname(file)) : 'sweep',
    parallel: 1,
    seed: 1,
    max_minutes: 0,
    retries: 0,
    keep_checkpoints: { best: 1, last: 1 },
  };
  const sweep = checkBlock(top, SWEEP_SCHEMA, defaults, [], issues, [...RUN_BLOCKS, 'metric', 'early_terminate', 'parameters']);
  if (top.method === undefined) issues.expected(['method'], `one of ${METHODS.join(', ')}`, undefined);
  const objectives = checkObjectives(top.metric, issues);
  const method = sweep.method as SweepConfig['method'] | undefined;
  if (top.run_cap === undefined && (method === 'random' || method === 'bayes')) {
    issues.add(['run_cap'], `expected a positive integer (method ${method} needs a run cap), got nothing`, ['method']);
  }
  const early = checkEarlyTerminate(top.early_terminate, issues);

  // Unknown top-level keys were reported above, so the base sees only its own blocks.
  const blocks = Object.fromEntries(RUN_BLOCKS.filter((k) => k in top).map((k) => [k, top[k]]));
  const before = issues.size;
  const base = checkRunConfig(blocks, [], issues);
  const baseValid = issues.size === before;
  const parameters = checkParameters(top.parameters, baseValid ? base : undefined, issues, source.rawOf);
  if (baseValid && issues.size === before) checkSweepModelMemory(base, parameters, issues);

  let runCap = sweep.run_cap as number | undefined;
  if (method === 'grid') {
    let points = 1;
    for (const [name, spec] of Object.entries(parameters)) {
      const count = valueCount(spec);
      if (Number.isFinite(count)) points *= count;
      else issues.add(['parameters', name], `expected values, value, int_uniform or q_uniform for method grid, got distribution ${spec.kind}`);
    }
    runCap ??= points;
  }
  issues.throwIfAny(file);

  const config: SweepConfig = {
    name: sweep.name as string,
    ...(sweep.description === undefined ? {} : { description: sweep.description as string }),
    method: method as SweepConfig['method'],
    // A list keeps its objectives; `metric` is the first either way (see SweepConfig.objectives).
    metric: objectives.list[0],
    ...(objectives.written === 'list' ? { objectives: objectives.list } : {}),
    run_cap: runCap as number,
    parallel: sweep.parallel as number,
    seed: sweep.seed as number,
    ...(early ? { early_terminate: early } : {}),
    max_minutes: sweep.max_minutes as number,
    retries: sweep.retries as number,
    keep_checkpoints: sweep.keep_checkpoints as SweepConfig['keep_checkpoints'],
    parameters,
    base,
  };
  return config;
}

/** Reads and parses a sweep config file (see {@link parseSweepConfig}); errors are prefixed with `path`. */
export async function loadSweepConfig(path: string): Promise<SweepConfig> {
  return parseSweepConfig(await readConfigFile(path), path);
}

/**
 * `metric`: one mapping `{ name, goal }` (a single objective) or a list of them, the first being the objective
 * "best" means. A list needs at least one item and unique names. Problems are reported at their YAML path
 * (`metric[1].goal`, line of the item). Returns the objectives (empty when there were problems) and which
 * form was written: a single mapping gives `metric` alone, with no `objectives`.
 */
function checkObjectives(value: unknown, issues: IssueList): { list: MetricGoal[]; written: 'mapping' | 'list' } {
  const path: PathSegment[] = ['metric'];
  const what = 'a mapping like { name: val_loss, goal: minimize }, or a list of them';
  if (value === undefined || value === null) {
    issues.expected(path, what, undefined);
    return { list: [], written: 'mapping' };
  }
  const written = Array.isArray(value) ? 'list' : 'mapping';
  const items: { value: unknown; at: PathSegment[] }[] = Array.isArray(value)
    ? value.map((v, i) => ({ value: v, at: [...path, i] }))
    : [{ value, at: path }];
  if (Array.isArray(value) && value.length === 0) issues.expected(path, `at least one objective (${what})`, value);
  if (!Array.isArray(value) && !isPlainObject(value)) {
    issues.expected(path, what, value);
    return { list: [], written };
  }
  const before = issues.size;
  const list: MetricGoal[] = [];
  const seen = new Map<string, number>();
  items.forEach(({ value: item, at }, i) => {
    if (!isPlainObject(item)) {
      issues.expected(at, 'a mapping like { name: bar_ok_rate, goal: maximize }', item);
      return;
    }
    const checked = checkBlock(item, OBJECTIVE, OBJECTIVE_DEFAULTS, at, issues);
    if (item.name === undefined) issues.expected([...at, 'name'], 'a non-empty identifier (letters, digits, _)', undefined);
    const name = checked.name as string | undefined;
    if (typeof name !== 'string') return;
    // Two objectives on one metric would make every trial tie on one axis of the front: a slip, not a choice.
    if (seen.has(name)) issues.add([...at, 'name'], `duplicate objective "${name}" (also metric[${seen.get(name)}])`);
    else seen.set(name, i);
    list.push({ name, goal: checked.goal as MetricGoal['goal'] });
  });
  return { list: issues.size > before ? [] : list, written };
}

function checkEarlyTerminate(value: unknown, issues: IssueList): EarlyTerminate | undefined {
  if (value === undefined || value === null) return undefined;
  const path: PathSegment[] = ['early_terminate'];
  if (!isPlainObject(value)) {
    issues.expected(path, 'a mapping like { type: asha, min_iter: 1, eta: 3 }', value);
    return undefined;
  }
  const type = value.type;
  if (type !== 'asha' && type !== 'median') {
    issues.expected([...path, 'type'], 'one of asha, median', type);
    return undefined;
  }
  const before = issues.size;
  const checked = checkBlock(value, EARLY_TERMINATE[type], EARLY_TERMINATE_DEFAULTS[type], path, issues);
  if (issues.size > before) return undefined;
  if (type === 'asha' && checked.max_iter !== undefined && (checked.max_iter as number) <= (checked.min_iter as number)) {
    issues.expected([...path, 'max_iter'], `an integer > min_iter (${checked.min_iter})`, checked.max_iter);
    return undefined;
  }
  if (type === 'asha') {
    // Rungs count epochs (min_iter, max_iter) or characters trained on (min_resource, max_resource): when
    // trials train on different files an epoch is not the same amount of work, a character is.
    const onCharacters = checked.resource === 'characters';
    const own = onCharacters ? ['min_resource', 'max_resource'] : ['min_iter', 'max_iter'];
    const other = onCharacters ? ['min_iter', 'max_iter'] : ['min_resource', 'max_resource'];
    for (const key of other) {
      if (Object.hasOwn(value, key)) {
        issues.add([...path, key], `belongs to resource: ${onCharacters ? 'epochs' : 'characters'}; with resource: ${checked.resource ?? 'epochs'} write ${own[other.indexOf(key)]}`);
      }
    }
    if (onCharacters && checked.min_resource === undefined) {
      issues.add([...path, 'min_resource'], 'required with resource: characters (the first rung, in characters trained on, e.g. 2e6)');
    }
    if (onCharacters && checked.max_resource !== undefined && (checked.max_resource as number) <= (checked.min_resource as number)) {
      issues.expected([...path, 'max_resource'], `a number > min_resource (${checked.min_resource})`, checked.max_resource);
    }
    if (issues.size > before) return undefined;
    if (onCharacters) delete checked.min_iter;
  }
  for (const key of ['resource', 'max_iter', 'min_resource', 'max_resource']) if (checked[key] === undefined) delete checked[key];
  return checked as unknown as EarlyTerminate;
}
