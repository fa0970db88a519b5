import { ConfigError, type IssueList, type PathSegment, unknownKeyMessage } from './issues';
import { applyParams, parameterPathProblem } from './params';
import { isInt, isNumber, isPlainObject, type LeafSpec, specAt } from './run-schema';
import type { ParameterSpec, ParameterValue } from './sweep-types';
import type { RunConfig } from './types';

/**
 * The `parameters` block of a sweep: W&B's parameter forms, each checked against the run config setting it
 * names, so a sweep fails at load time rather than in trial 17.
 */

const SPEC_KEYS = ['values', 'value', 'min', 'max', 'distribution', 'q'];
const DISTRIBUTIONS = ['constant', 'categorical', 'uniform', 'int_uniform', 'log_uniform_values', 'q_uniform'] as const;
type Kind = ParameterSpec['kind'];
type Range = Extract<ParameterSpec, { min: number }>;

/** Which keys each kind reads; any other written key is reported as unused. */
const KEYS_OF: Record<Kind, string[]> = {
  constant: ['value', 'distribution'],
  categorical: ['values', 'distribution'],
  uniform: ['min', 'max', 'distribution'],
  int_uniform: ['min', 'max', 'distribution'],
  log_uniform_values: ['min', 'max', 'distribution'],
  q_uniform: ['min', 'max', 'q', 'distribution'],
};

/**
 * Checks `parameters` and returns the specs in file order. Each value a parameter can take (every listed
 * value; both ends of a range) must pass the run config's check for its setting, and applied to `base` must
 * give a valid run config; `base` is undefined when the base itself is invalid (those errors come first).
 * @param rawOf the written text of a scalar, to read `min: 0.0` as a float the way the user meant it.
 */
export function checkParameters(
  value: unknown,
  base: RunConfig | undefined,
  issues: IssueList,
  rawOf: (path: readonly PathSegment[]) => string | undefined = () => undefined,
): Record<string, ParameterSpec> {
  const out: Record<string, ParameterSpec> = {};
  // `parameters:` with nothing under it is an empty search (one trial for grid), like `parameters: {}`.
  if (value === null) return out;
  if (value === undefined) {
    issues.expected(['parameters'], 'a mapping of run config paths to values or distributions', undefined);
    return out;
  }
  if (!isPlainObject(value)) {
    issues.expected(['parameters'], 'a mapping of run config paths to values or distributions', value);
    return out;
  }
  for (const [name, raw] of Object.entries(value)) {
    const path = ['parameters', name];
    const problem = parameterPathProblem(name);
    if (problem) {
      issues.add(path, problem);
      continue;
    }
    if (!isPlainObject(raw)) {
      issues.expected(path, 'a mapping with values, value, min/max or distribution', raw);
      continue;
    }
    const before = issues.size;
    const spec = parseSpec(raw, path, specAt(name) as LeafSpec, issues, rawOf);
    if (!spec || issues.size > before) continue;
    if (base) checkAppliedValues(name, spec, base, path, issues);
    out[name] = spec;
  }
  return out;
}

function parseSpec(
  raw: Record<string, unknown>,
  path: PathSegment[],
  leaf: LeafSpec,
  issues: IssueList,
  rawOf: (path: readonly PathSegment[]) => string | undefined,
): ParameterSpec | undefined {
  for (const key of Object.keys(raw)) {
    if (!SPEC_KEYS.includes(key)) issues.add([...path, key], unknownKeyMessage(key, SPEC_KEYS));
  }
  const kind = kindOf(raw, path, issues, rawOf);
  if (!kind) return undefined;
  for (const key of Object.keys(raw)) {
    if (SPEC_KEYS.includes(key) && !KEYS_OF[kind].includes(key)) {
      issues.add([...path, key], `not used by ${raw.distribution === undefined ? `a ${kind} parameter` : `distribution ${kind}`}`);
    }
  }

  if (kind === 'constant') {
    if (!leaf.test(raw.value)) issues.expected([...path, 'value'], leaf.expected, raw.value);
    return { kind, value: raw.value as ParameterValue };
  }
  if (kind === 'categorical') {
    const values = raw.values;
    if (!Array.isArray(values) || values.length === 0) {
      issues.expected([...path, 'values'], 'a non-empty list', values);
      return undefined;
    }
    values.forEach((v, i) => {
      if (!leaf.test(v)) issues.expected([...path, 'values', i], leaf.expected, v);
    });
    return { kind, values: values as ParameterValue[] };
  }
  return parseRange(kind, raw, path, leaf, issues);
}

/** W&B's reading: `distribution` if given, else `value`, else `values`, else `min`/`max` (ints → int_uniform). */
function kindOf(
  raw: Record<string, unknown>,
  path: PathSegment[],
  issues: IssueList,
  rawOf: (path: readonly PathSegment[]) => string | undefined,
): Kind | undefined {
  if (raw.distribution !== undefined) {
    if ((DISTRIBUTIONS as readonly unknown[]).includes(raw.distribution)) return raw.distribution as Kind;
    issues.expected([...path, 'distribution'], `one of ${DISTRIBUTIONS.join(', ')}`, raw.distribution);
    return undefined;
  }
  if ('value' in raw) return 'constant';
  if ('values' in raw) return 'categorical';
  if ('min' in raw || 'max' in raw) {
    const writtenAsInt = (key: string) => isInt(raw[key]) && !/[.eE]/.test(rawOf([...path, key]) ?? '');
    return writtenAsInt('min') && writtenAsInt('max') ? 'int_uniform' : 'uniform';
  }
  issues.add(path, 'expected values, value, min/max or distribution, got none of them');
  return undefined;
}

function parseRange(
  kind: Range['kind'],
  raw: Record<string, unknown>,
  path: PathSegment[],
  leaf: LeafSpec,
  issues: IssueList,
): ParameterSpec | undefined {
  if (!leaf.number) {
    issues.add(path, `expected values or value for a setting that is ${leaf.expected}, got distribution ${kind}`);
    return undefined;
  }
  const before = issues.size;
  const { min, max, q } = raw;
  for (const [key, v] of [['min', min], ['max', max]] as const) {
    if (!leaf.test(v)) issues.expected([...path, key], leaf.expected, v);
    else if (kind === 'int_uniform' && !isInt(v)) issues.expected([...path, key], 'an integer', v);
    else if (kind === 'log_uniform_values' && !((v as number) > 0)) issues.expected([...path, key], 'a number > 0', v);
  }
  if (kind === 'q_uniform') {
    if (!isNumber(q) || q <= 0) issues.expected([...path, 'q'], 'a number > 0', q);
    else if (leaf.number === 'int' && !isInt(q)) issues.expected([...path, 'q'], 'an integer (the setting is an integer)', q);
  }
  if (issues.size > before) return undefined;
  const lo = min as number;
  const hi = max as number;
  if (kind === 'int_uniform' ? lo > hi : lo >= hi) {
    issues.expected([...path, 'max'], `a number ${kind === 'int_uniform' ? '>=' : '>'} min (${lo})`, hi);
    return undefined;
  }
  if (leaf.number === 'int' && (kind === 'uniform' || kind === 'log_uniform_values')) {
    issues.add(
      path,
      `expected int_uniform, q_uniform with an integer q, or values for an integer setting, got distribution ${kind}`,
    );
    return undefined;
  }
  return kind === 'q_uniform' ? { kind, min: lo, max: hi, q: q as number } : { kind, min: lo, max: hi };
}

/** Applies each listed value (or both ends of a range) to the base: catches rules across keys (val + test < 1). */
function checkAppliedValues(
  name: string,
  spec: ParameterSpec,
  base: RunConfig,
  path: PathSegment[],
  issues: IssueList,
): void {
  const cases: Array<[PathSegment[], ParameterValue]> =
    spec.kind === 'constant'
      ? [[[...path, 'value'], spec.value]]
      : spec.kind === 'categorical'
        ? spec.values.map((v, i) => [[...path, 'values', i], v])
        : [
            [[...path, 'min'], spec.min],
            [[...path, 'max'], spec.max],
          ];
  for (const [at, v] of cases) {
    try {
      applyParams(base, { [name]: v });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const issue of err.issues) issues.add(at, `${issue.path}: ${issue.message}`);
    }
  }
}
