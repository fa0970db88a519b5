import { InputError } from './errors';
import { closest, IssueList } from './issues';
import { checkRunConfig } from './run-config';
import { type BlockSpec, leafPaths, specAt } from './run-schema';
import { discreteValues } from './parameter-values';
import type { ParameterSpec, ParameterValue } from './sweep-types';
import type { RunConfig } from './types';

/**
 * Why `name` cannot be a sweep parameter (unknown path, or a whole block), or undefined when it names one
 * setting. Shared by the sweep file's checks and {@link applyParams}.
 */
export function parameterPathProblem(name: string): string | undefined {
  const spec = specAt(name);
  if (spec?.kind === 'leaf') return undefined;
  if (spec?.kind === 'block') {
    const example = leafPaths(spec, `${name}.`)[0];
    return `expected a dotted path to one setting (e.g. ${example}), got the block ${name}`;
  }
  // `lr` or `train.lr` most likely means the setting whose last part is `lr`.
  const last = name.split('.').pop() ?? name;
  const near = leafPaths().find((p) => p.endsWith(`.${last}`)) ?? closest(name, leafPaths());
  return near ? `unknown run config key; did you mean "${near}"?` : 'unknown run config key';
}

/**
 * The base with each dotted-path parameter value applied; throws InputError naming the path if the result is
 * invalid. `eval.*` parameters on a base without an eval block create one with the eval defaults.
 * @throws ConfigError (an InputError) listing each bad path: `train.optimizer.lr: expected a number > 0, got -1`.
 */
export function applyParams(base: RunConfig, params: Record<string, ParameterValue>): RunConfig {
  const issues = new IssueList();
  const draft = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(params)) {
    const problem = parameterPathProblem(name);
    if (problem) {
      issues.add([name], problem);
      continue;
    }
    const keys = name.split('.');
    let target = draft;
    keys.slice(0, -1).forEach((key, i) => {
      if (target[key] === undefined) {
        const spec = specAt(keys.slice(0, i + 1).join('.')) as BlockSpec;
        target[key] = structuredClone(spec.whenPresent ?? {});
      }
      target = target[key] as Record<string, unknown>;
    });
    target[keys[keys.length - 1]] = structuredClone(value);
  }
  if (issues.size > 0) issues.throwIfAny();
  const config = checkRunConfig(draft, [], issues, [], base);
  issues.throwIfAny();
  return config;
}

/**
 * Cartesian product of the discrete parameters, in file order (for grid search): the first parameter varies
 * slowest, like nested loops written in file order. No parameters gives one empty assignment.
 * @throws InputError for a continuous parameter, naming it: grid search needs `values`, `value`, int_uniform or
 *   q_uniform.
 */
export function gridPoints(parameters: Record<string, ParameterSpec>): Record<string, ParameterValue>[] {
  let points: Record<string, ParameterValue>[] = [{}];
  for (const [name, spec] of Object.entries(parameters)) {
    const options = discreteValues(spec);
    if (!options) {
      throw new InputError(`expected values, value, int_uniform or q_uniform for grid search, got distribution ${spec.kind}`, `parameters.${name}`);
    }
    points = points.flatMap((point) => options.map((v) => ({ ...point, [name]: structuredClone(v) })));
  }
  return points;
}

/**
 * A stable string key for a parameter assignment (to detect duplicate trials): JSON with mapping keys sorted at
 * every depth, so `{a, b}` and `{b, a}` give the same key and `[128, 128]` differs from `[128]`.
 */
export function paramsKey(params: Record<string, ParameterValue>): string {
  return JSON.stringify(sortKeys(params));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  // -0 and 0 are the same trial.
  return Object.is(value, -0) ? 0 : value;
}
